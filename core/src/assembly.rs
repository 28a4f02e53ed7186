//! How the rows a page query fetched (at most page_size + 1, in display order) become the page:
//! which rows it shows, its flags, and which rows its cursors are minted from. Pure, so every
//! case (forwards, backwards, empty, a boundary row that cannot carry a cursor) is unit-tested.

/// How the fetched rows (at most page_size + 1, in display order) become the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembly {
    /// The page's rows among the fetched ones.
    pub rows: std::ops::Range<usize>,
    pub has_more: bool,
    pub has_previous: bool,
    /// The fetched row whose keys make `next_cursor` (when rows follow).
    pub next_cursor_row: Option<usize>,
    /// The fetched row whose keys make `prev_cursor` (when rows precede).
    pub prev_cursor_row: Option<usize>,
}

impl Assembly {
    /// The row of the cursor at the far end (towards the fetch direction): next_cursor
    /// forwards, prev_cursor backwards.
    pub fn far_cursor_row(&self, backward: bool) -> Option<usize> {
        if backward {
            self.prev_cursor_row
        } else {
            self.next_cursor_row
        }
    }

    /// The row of the cursor at the near end (back where the page came from).
    pub fn near_cursor_row(&self, backward: bool) -> Option<usize> {
        if backward {
            self.next_cursor_row
        } else {
            self.prev_cursor_row
        }
    }

    /// The page one row shorter at its far end (the end it was fetched towards: the last row
    /// forwards, the first backwards), for when that row's cursor cannot be encoded: the page
    /// ends at the row before it, and the next page starts with it. None for a page of fewer
    /// than two rows. The far flag is true afterwards (the dropped row follows).
    pub fn shrink_far(&self, backward: bool) -> Option<Assembly> {
        if self.rows.len() < 2 {
            return None;
        }
        let mut a = self.clone();
        if backward {
            a.rows.start += 1;
            a.has_previous = true;
            a.prev_cursor_row = Some(a.rows.start);
        } else {
            a.rows.end -= 1;
            a.has_more = true;
            a.next_cursor_row = Some(a.rows.end - 1);
        }
        Some(a)
    }
}

/// Assembles a page from `fetched` rows in display order. One more row than the page in the
/// fetch direction means rows follow there (forwards the extra row is the last one, backwards
/// the first one); `probe` says whether rows lie on the other side of the cursor.
pub fn assemble(fetched: usize, page_size: usize, backward: bool, probe: bool) -> Assembly {
    let extra = fetched > page_size;
    let rows = match (extra, backward) {
        (false, _) => 0..fetched,
        (true, false) => 0..page_size,
        (true, true) => fetched - page_size..fetched,
    };
    let (has_more, has_previous) = if backward {
        (probe, extra)
    } else {
        (extra, probe)
    };
    let last = rows.end.checked_sub(1).filter(|&l| l >= rows.start);
    let first = (!rows.is_empty()).then_some(rows.start);
    Assembly {
        next_cursor_row: if has_more { last } else { None },
        prev_cursor_row: if has_previous { first } else { None },
        rows,
        has_more,
        has_previous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembling_pages() {
        // Forward: the extra row is the last; the probe speaks for the rows before.
        let a = assemble(21, 20, false, true);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.has_previous,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (0..20, true, true, Some(19), Some(0))
        );
        let a = assemble(20, 20, false, false);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (0..20, false, None, None)
        );
        // Backward: the extra row is the first.
        let a = assemble(21, 20, true, true);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.has_previous,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (1..21, true, true, Some(20), Some(1))
        );
        // An empty page has flags but no cursors.
        let a = assemble(0, 20, false, true);
        assert_eq!(
            (a.rows.clone(), a.has_previous, a.prev_cursor_row),
            (0..0, true, None)
        );
        let a = assemble(0, 20, true, true);
        assert_eq!((a.has_more, a.next_cursor_row), (true, None));
        let a = assemble(2, 1, true, false);
        assert_eq!(
            (a.rows.clone(), a.prev_cursor_row, a.next_cursor_row),
            (1..2, Some(1), None)
        );
        // Shrinking at the far end when its cursor cannot be encoded.
        let s = assemble(5, 5, false, false).shrink_far(false).unwrap();
        assert_eq!(
            (s.rows.clone(), s.has_more, s.next_cursor_row),
            (0..4, true, Some(3))
        );
        let s = assemble(6, 5, true, false).shrink_far(true).unwrap();
        assert_eq!(
            (
                s.rows.clone(),
                s.has_previous,
                s.prev_cursor_row,
                s.next_cursor_row
            ),
            (2..6, true, Some(2), None)
        );
        assert_eq!(assemble(1, 5, false, true).shrink_far(false), None);
    }
}
