# config.mk - compiler, flags and libraries for recmail (included by Makefile)
VERSION = 0.1.0
PREFIX ?= /usr/local

CC ?= cc
PKGS = openblas lapacke libcurl jansson libcrypto libutf8proc libmicrohttpd
# libstemmer has no pkg-config file (Debian libstemmer-dev)
EXTRA_LIBS = -lstemmer
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -DRECMAIL_VERSION=\"$(VERSION)\" -Ilib
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread
LDLIBS = $(PKG_LIBS) $(EXTRA_LIBS) -lm -pthread

# make check SANITIZE=1 (or make asan): AddressSanitizer + UBSan build in build-asan/
ifeq ($(FUZZ),1)
# make FUZZ=1 lib (run by make fuzz): the library for the libFuzzer harnesses in build-fuzz/
BUILD = build-fuzz
CC = clang
OPT = -O1
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),1)
BUILD = build-asan
OPT = -O1
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD = build
endif
