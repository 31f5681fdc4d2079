# ggzy — two commands for a fresh clone: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECTS := pyproject.toml packages/ggzy-sm/pyproject.toml packages/ggzy-bid/pyproject.toml packages/ggzy-custodian/pyproject.toml packages/ggzy-cosigner/pyproject.toml packages/ggzy-national/pyproject.toml packages/ggzy-authority/pyproject.toml packages/ggzy-bank/pyproject.toml packages/ggzy-guarantee/pyproject.toml packages/ggzy-beacon/pyproject.toml packages/ggzy-expertpool/pyproject.toml packages/ggzy-video/pyproject.toml
STAMP := $(VENV)/.installed-$(shell cat $(PYPROJECTS) | $(PY) -c 'import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])')
PYTEST_WORKERS ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo serve test suite lint check-openapi openapi messages bench vendor clean test-sm-clean

$(STAMP): $(PYPROJECTS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e 'packages/ggzy-sm[test]' -e 'packages/ggzy-bid[test]' -e 'packages/ggzy-custodian[test]' -e 'packages/ggzy-cosigner[test]' -e 'packages/ggzy-national[test]' -e 'packages/ggzy-authority[test]' -e 'packages/ggzy-bank[test]' -e 'packages/ggzy-guarantee[test]' -e 'packages/ggzy-beacon[test]' -e 'packages/ggzy-expertpool[test]' -e 'packages/ggzy-video[test]' -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate SQLite, load the demo data, serve on :8000 (or GGZY_PORT) with the worker
demo: export GGZY_SANDBOX ?= 1
demo: export GGZY_DEMO_COSIGNERS_DIR ?= $(CURDIR)/.cosigner-demo
demo: export GGZY_COSIGNERS ?= a=http://127.0.0.1:18501,b=http://127.0.0.1:18502,c=http://127.0.0.1:18503
demo: export GGZY_WITNESS_TRUST ?= $(CURDIR)/.cosigner-demo/trust.json
demo: export GGZY_COSIGNER_PASSPHRASE ?= demo-cosigner-passphrase
demo: export GGZY_DEMO_NATIONAL_DIR ?= $(CURDIR)/.national-demo
demo: export GGZY_NATIONAL_PLATFORMS ?= ebid=http://127.0.0.1:18611,ccgp=http://127.0.0.1:18612
demo: export GGZY_NATIONAL_TRUST ?= $(CURDIR)/.national-demo/trust.json
demo: export GGZY_NATIONAL_PASSPHRASE ?= demo-national-passphrase
demo: export GGZY_DEMO_AUTHORITY_DIR ?= $(CURDIR)/.authority-demo
demo: export GGZY_AUTHORITY_URL ?= http://127.0.0.1:18621
demo: export GGZY_AUTHORITY_TRUST ?= $(CURDIR)/.authority-demo/trust.json
demo: export GGZY_AUTHORITY_PASSPHRASE ?= demo-authority-passphrase
demo: export GGZY_DEMO_BANK_DIR ?= $(CURDIR)/.bank-demo
demo: export GGZY_BANKS ?= demo=http://127.0.0.1:18631
demo: export GGZY_BANK_TRUST ?= $(CURDIR)/.bank-demo/trust.json
demo: export GGZY_BANK_PASSPHRASE ?= demo-bank-passphrase
demo: export GGZY_DEMO_GUARANTEE_DIR ?= $(CURDIR)/.guarantee-demo
demo: export GGZY_GUARANTEE_ISSUERS ?= 91210100MA0A0B1C0Q=http://127.0.0.1:18641,91210100MA0A0B2D5Y=http://127.0.0.1:18642,91210100MA0A0B3EX0=http://127.0.0.1:18643
demo: export GGZY_GUARANTEE_TRUST ?= $(CURDIR)/.guarantee-demo/trust.json
demo: export GGZY_GUARANTEE_PASSPHRASE ?= demo-guarantee-passphrase
demo: export GGZY_DEMO_BEACON_DIR ?= $(CURDIR)/.beacon-demo
demo: export GGZY_BEACONS ?= a=http://127.0.0.1:18651,b=http://127.0.0.1:18652
demo: export GGZY_BEACON_TRUST ?= $(CURDIR)/.beacon-demo/trust.json
demo: export GGZY_BEACON_PASSPHRASE ?= demo-beacon-passphrase
demo: export GGZY_DEMO_EXPERTPOOL_DIR ?= $(CURDIR)/.expertpool-demo
demo: export GGZY_EXPERT_POOL ?= ln=http://127.0.0.1:18661
demo: export GGZY_EXPERT_POOL_CENTRES ?= ln
demo: export GGZY_EXPERT_POOL_TRUST ?= $(CURDIR)/.expertpool-demo/trust.json
demo: export GGZY_EXPERTPOOL_PASSPHRASE ?= demo-expertpool-passphrase
demo: export GGZY_DEMO_VIDEO_DIR ?= $(CURDIR)/.video-demo
demo: export GGZY_VIDEO_PLATFORMS ?= demo-video=http://127.0.0.1:18671
demo: export GGZY_VIDEO_PASSPHRASE ?= demo-video-passphrase
demo: export GGZY_DEMO_CA_DIR ?= $(CURDIR)/.demo-ca
demo: export GGZY_CUSTODIAN_TRANSPORT ?= ggzy.demo.custodians.IN_PROCESS
demo: export GGZY_SEAL_KEY_FILE ?= $(CURDIR)/.demo-ca/seal/seal.key
demo: export GGZY_SEAL_CERTIFICATE_FILE ?= $(CURDIR)/.demo-ca/seal/seal.pem
demo: export GGZY_SEAL_PASSPHRASE ?= demo-key-passphrase
demo: install
	$(BIN)/ggzy migrate --noinput -v0
	$(BIN)/ggzy collectstatic --noinput -v0
	$(BIN)/ggzy demo_load
	$(BIN)/ggzy serve

## make test: install, lint (ruff, mypy), migrations, OpenAPI drift and compliance checks, the whole suite on both cores
test: lint suite

## make suite: the test suite alone, without the lint (`PYTEST_PATHS` narrows it: CI's PostgreSQL pass runs
## `tests` only, as the Django-free packages' own tests do not touch a database)
suite: install
	@start=$$(date +%s); \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider --durations=30 $(PYTEST_ARGS) $(PYTEST_PATHS); status=$$?; \
	echo "make suite: pytest took $$(( $$(date +%s) - start )) s"; exit $$status

lint: install
	$(BIN)/ruff check src tests benchmarks scripts packages
	$(BIN)/ruff format --check src tests benchmarks scripts packages
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy makemigrations --check --dry-run
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy openapi --check
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy access_matrix --check
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy events_catalogue --check
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy secrecy_table --check
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy compliance_check
	$(BIN)/python scripts/compile_messages.py --check

## make openapi: rewrite docs/openapi.json and the access matrix after an intended API change
openapi: install
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy openapi
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=ggzy.settings_test $(BIN)/ggzy access_matrix

## make messages: extract strings into the zh-hans catalogue and compile it (needs gettext's xgettext)
messages: install
	cd src/ggzy && ../../$(BIN)/ggzy makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/python scripts/compile_messages.py

## make test-sm-clean: the ggzy-sm package and the tools on it (ggzy-bid, ggzy-custodian, ggzy-cosigner, ggzy-national, ggzy-authority, ggzy-bank, ggzy-guarantee, ggzy-beacon, ggzy-expertpool, ggzy-video) alone, in a fresh virtualenv without Django (a CI step)
test-sm-clean:
	rm -rf .venv-sm-clean && $(PY) -m venv .venv-sm-clean
	.venv-sm-clean/bin/python -m pip install -q './packages/ggzy-sm[test]'
	.venv-sm-clean/bin/python -m pip install -q --no-deps './packages/ggzy-bid[test]' './packages/ggzy-custodian[test]' './packages/ggzy-cosigner[test]' './packages/ggzy-national[test]' './packages/ggzy-authority[test]' './packages/ggzy-bank[test]' './packages/ggzy-guarantee[test]' './packages/ggzy-beacon[test]' './packages/ggzy-expertpool[test]' './packages/ggzy-video[test]'
	! .venv-sm-clean/bin/python -c "import django" 2>/dev/null
	cd packages/ggzy-sm && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-bid && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-custodian && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-cosigner && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-national && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-authority && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-bank && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-guarantee && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-beacon && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-expertpool && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	cd packages/ggzy-video && ../../.venv-sm-clean/bin/python -m pytest -q -p no:cacheprovider
	rm -rf .venv-sm-clean packages/ggzy-sm/build packages/ggzy-bid/build packages/ggzy-custodian/build packages/ggzy-cosigner/build packages/ggzy-national/build packages/ggzy-authority/build packages/ggzy-bank/build packages/ggzy-guarantee/build packages/ggzy-beacon/build packages/ggzy-expertpool/build packages/ggzy-video/build

## make bench: every benchmark in --quick mode; each prints one JSON line last
bench: install
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

## make vendor: refresh the vendored front-end assets from the npm registry
vendor:
	scripts/vendor.sh

clean:
	rm -rf $(VENV) var/static
