# The two commands of the project (see README.md):
#   make demo   build the demo database and serve it on http://localhost:8000/
#   make test   run every test on SQLite and on PostgreSQL
# The work is done by the scripts in scripts/.

.PHONY: demo demo-db test test-sqlite test-postgresql setup clean

demo:
	bash scripts/demo.sh

# The demo database only, without serving it.
demo-db:
	bash scripts/demo.sh --no-serve

# Extra pytest arguments: make test ARGS='-k fund -x'
test:
	bash scripts/test.sh $(ARGS)

test-sqlite:
	TEST_BACKENDS=sqlite bash scripts/test.sh $(ARGS)

test-postgresql:
	TEST_BACKENDS=postgresql bash scripts/test.sh $(ARGS)

setup:
	bash scripts/setup.sh --test

# Removes what the scripts installed or built (.venv, var/).
clean:
	rm -rf .venv var
