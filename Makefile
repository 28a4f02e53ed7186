# The two commands (see README): `make demo` and `make test`. Each installs what it needs.
.PHONY: demo test setup

setup:
	bash scripts/setup.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh
