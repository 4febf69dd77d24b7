# iso28000: PGXS build, plus the project's demo, test and bench targets.
#
# This Makefile must parse on a machine that has no pg_config or no PGXS yet
# (a fresh Debian 12 with only the PostgreSQL server): `make demo` and
# `make test` first install what is missing, then build through a recursive
# make that finds PGXS.

EXTENSION  = iso28000
# META.json is the single source of the version.
EXTVERSION := $(shell sed -n 's/^   "version": *"\([^"]*\)".*/\1/p' META.json)

MODULE_big = iso28000
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is the concatenation of the SQL sources in the order that
# sql/install-order states (core, registers in clause order, views, reports);
# tools/freeze-release reads the same list.
SQL_PARTS := $(shell sed -e 's/\#.*//' -e '/^[[:space:]]*$$/d' sql/install-order)
SQL_UNLISTED := $(filter-out $(SQL_PARTS),$(wildcard sql/core/*.sql sql/clauses/*.sql sql/views/*.sql sql/reports/*.sql))
ifneq ($(SQL_UNLISTED),)
$(error sql/install-order does not list $(SQL_UNLISTED): add each where it belongs in the order)
endif
DATA_built = build/$(EXTENSION)--$(EXTVERSION).sql
# Upgrade scripts and the frozen install scripts of earlier releases.
DATA       = $(wildcard sql/upgrades/$(EXTENSION)--*.sql)

# pg_regress: inputs in test/sql, expected outputs in the top-level expected/.
# `setup` runs first and creates the extension; the rest run in name order.
REGRESS      = setup $(filter-out setup,$(basename $(notdir $(sort $(wildcard test/sql/*.sql)))))
REGRESS_OPTS = --inputdir=test --outputdir=.
ISOLATION      = $(basename $(notdir $(sort $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test --outputdir=.

PG_CPPFLAGS = -I$(srcdir)/src
# Warnings are errors in `make test` (and so in CI, .ci/run), not in a user's
# `make` or `make install`, where a newer compiler's new warning must not stop
# the build; `make WERROR=-Werror` asks for it by hand.  The objects are
# rebuilt when the flags change (build/cflags).
WERROR     ?=
PG_CFLAGS   = -Wall -Wextra $(WERROR) -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

EXTRA_CLEAN = build results output_iso regression.diffs regression.out test/fuzz/build

PG_CONFIG ?= pg_config
PGXS := $(wildcard $(shell $(PG_CONFIG) --pgxs 2>/dev/null))
ifneq ($(PGXS),)
include $(PGXS)
# src/history_verify.c hashes with OpenSSL directly where PostgreSQL does.
ifeq ($(with_ssl),openssl)
SHLIB_LINK += -lcrypto
endif

# The two halves of installcheck, so that test/suites can count each apart.
installcheck-regress: submake $(REGRESS_PREP)
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

installcheck-isolation: submake $(REGRESS_PREP)
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) --dbname=isolation_regression $(ISOLATION)
else
all install installcheck:
	@echo "PGXS not found: run 'make setup' (as root, or with sudo) first, or 'make demo' / 'make test'" >&2
	@exit 1
endif

# The compiler flags of the last build: objects depend on it, so that a build
# with other flags (WERROR) recompiles them.
build/cflags: FORCE
	@mkdir -p build
	@echo '$(PG_CFLAGS)' | cmp -s - $@ || echo '$(PG_CFLAGS)' > $@
$(OBJS): build/cflags
# PGXS tracks no header dependencies here: every object depends on every
# header of src/, so a changed struct (engines.h's EngineCatalog...) cannot
# leave an object compiled against its old layout.
$(OBJS): $(wildcard src/*.h)

$(DATA_built): $(SQL_PARTS) sql/install-order META.json
	@mkdir -p build
	cat $(SQL_PARTS) > $@

.PHONY: installcheck-regress installcheck-isolation setup demo test bench fuzz soak sqlsmith dist check-version release FORCE

# Installs the packages the build and the tests need (needs root or sudo).
setup:
	./tools/setup

check-version:
	@grep -q "^default_version = '$(EXTVERSION)'" $(EXTENSION).control || \
	  { echo "$(EXTENSION).control default_version differs from META.json ($(EXTVERSION))" >&2; exit 1; }

demo: setup check-version
	$(MAKE) all
	$(MAKE) -s install >/dev/null
	./demo/run

# -Werror here, and exported to the installs the test runners make.
test: export WERROR := -Werror
test: setup check-version
	$(MAKE) all
	./test/run

bench: setup
	$(MAKE) all
	$(MAKE) -s install >/dev/null
	./bench/run

# Robustness (doc/robustness.md): builds each libFuzzer harness
# test/fuzz/NAME_fuzz.c with the pure C parsers (src/*_text.c) under ASan and
# UBSan, replays its seeds and regressions, and fuzzes it for FUZZ_SECONDS
# (default 60; FUZZ_TIME is accepted too) with test/fuzz/NAME.dict when there
# is one.  FUZZ=name runs only the harnesses whose name contains it.
# `make test` runs the same for a few seconds (test/suite.d/fuzz).
fuzz: setup
	FUZZ_SECONDS=$${FUZZ_SECONDS:-$${FUZZ_TIME:-60}} ./test/fuzz/run $(FUZZ)

# A pgbench soak of SOAK_SECONDS (default 60), 8 clients, then the invariants,
# history, isolation and refusal checks (test/soak/); and a bounded SQLsmith
# run as a plain role (test/sqlsmith/).  Neither is part of `make test`.
soak: setup
	$(MAKE) all
	./test/soak/run

sqlsmith: setup
	$(MAKE) all
	./test/sqlsmith/run

# The release archive for PGXN, from git (committed files only, at HEAD),
# under the directory iso28000-VERSION/.  DISTDIR=... writes it elsewhere.
DISTDIR ?= dist
dist: check-version
	@git diff --quiet HEAD -- 2>/dev/null || echo "dist: warning: uncommitted changes are not in the archive" >&2
	@mkdir -p $(DISTDIR)
	git archive --format=zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(DISTDIR)/$(EXTENSION)-$(EXTVERSION).zip HEAD
	@echo "dist: wrote $(DISTDIR)/$(EXTENSION)-$(EXTVERSION).zip"

# Releases the version in META.json (tools/release): checks, the upgrade
# suite (FULL=1: make test), CHANGELOG.md and debian/changelog dated, commit
# and tag vVERSION, dist/ archive and .deb; NEXT=X.Y.Z then starts the next
# version (tools/freeze-release).  Pushes nothing.
release: setup
	./tools/release $(if $(NEXT),--next $(NEXT)) $(if $(FULL),--full)
