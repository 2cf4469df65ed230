# Makefile - builds bin/*, runs tests (make check), sanitizers (make asan), fuzzers, benchmarks
include config.mk

LIB_SRC  := $(wildcard lib/*/*.c)
LIB_HDR  := $(wildcard lib/*/*.h)
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CMD_SRC  := $(wildcard cmd/*.c)
ifeq ($(SANITIZE),1)
BINDIR   := $(BUILD)/bin
else
BINDIR   := bin
endif
PROGS    := $(CMD_SRC:cmd/%.c=$(BINDIR)/%)
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIBA     := $(BUILD)/librecmail.a

.PHONY: all check unit bats asan fuzz bench install uninstall clean deps example
all: $(PROGS)

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BINDIR)/%: cmd/%.c $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# The sanitizer build's programs find their templates in ../share, as the normal build's do.
ifeq ($(SANITIZE),1)
SHARELINK := $(BUILD)/share
$(SHARELINK):
	@mkdir -p $(BUILD)
	ln -sfn ../share $@
endif

# Every test: C unit tests, then the bats suites; one closing tally line; then (not under the
# sanitizers, which the harnesses carry themselves) every fuzz harness for CHECK_FUZZ_SECONDS,
# so that they are built and run on every check (skipped, saying so, without clang).
CHECK_FUZZ_SECONDS ?= 3
check: $(PROGS) $(UNITS) $(SHARELINK)
	RECMAIL_BIN=$(abspath $(BINDIR)) RECMAIL_UNITS="$(UNITS)" tests/run-all
ifneq ($(SANITIZE),1)
	@if command -v clang >/dev/null; then \
		$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS); \
	else \
		echo "fuzz: skipped: clang is not installed (make deps installs it)"; \
	fi
endif

unit: $(UNITS)
	@for t in $(UNITS); do $$t || exit 1; done

# Under the sanitizers every program suite runs; the pipeline suites (tests/campaign.bats and
# tests/multihost.bats: shell, jq, ssh and Python around the same programs) run in the normal
# check only, to keep the time down.
ASAN_SUITES ?= $(filter-out tests/campaign.bats tests/multihost.bats,$(wildcard tests/*.bats))
asan:
	$(MAKE) check SANITIZE=1 BATS_SUITES="$(or $(BATS_SUITES),$(ASAN_SUITES))"

# The fuzz harnesses link the library built from LIB_SRC with clang's fuzzer instrumentation
# (make FUZZ=1 lib), so a module that moves or a dependency that is added cannot break them.
FUZZ_SECONDS ?= 20
.PHONY: lib
lib: $(LIBA)
fuzz:
	$(MAKE) FUZZ=1 lib
	tests/fuzz/run $(FUZZ_SECONDS)

bench: all
	bench/run-all

# The programs go to PREFIX/bin, the templates to PREFIX/share/recmail, the pipelines to
# PREFIX/share/recmail/pipelines (with PREFIX/bin/recmail-NAME links: an installed pipeline finds
# the programs in PREFIX/bin), the documentation to PREFIX/share/doc/recmail.
PIPELINES := campaign campaign-parallel retention forget approval spamcheck
DOCDIR = $(PREFIX)/share/doc/recmail
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/recmail/pipelines $(DESTDIR)$(DOCDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp -R share/. $(DESTDIR)$(PREFIX)/share/recmail/
	install -m 755 $(PIPELINES:%=pipelines/%) $(DESTDIR)$(PREFIX)/share/recmail/pipelines/
	install -m 644 pipelines/campaign-review $(DESTDIR)$(PREFIX)/share/recmail/pipelines/
	for p in $(PIPELINES); do ln -sfn ../share/recmail/pipelines/$$p $(DESTDIR)$(PREFIX)/bin/recmail-$$p; done
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(PROGS:$(BINDIR)/%=$(DESTDIR)$(PREFIX)/bin/%) $(PIPELINES:%=$(DESTDIR)$(PREFIX)/bin/recmail-%)
	rm -rf $(DESTDIR)$(PREFIX)/share/recmail $(DESTDIR)$(DOCDIR)

deps:
	scripts/install-deps

example: all
	examples/run-demo

clean:
	rm -rf build build-asan bin
