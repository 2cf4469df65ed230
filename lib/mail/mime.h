/* mime.h - RFC 5322/2045/2047 building blocks: header-safe text, encoded-words, folding, QP, addresses */
#ifndef RECMAIL_MIME_H
#define RECMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

/* Longest header line we write when a break is possible (RFC 5322 2.1.1 "SHOULD"). */
#define MIME_LINE_SOFT 78
/* The hard limit, without the line end (RFC 5322 2.1.1 "MUST"). */
#define MIME_LINE_HARD 998

/*
 * Header-safe text: s[0..n) as valid UTF-8 on one line. CR, LF, TAB and every
 * other control character (C0, DEL, C1) become a space; runs of spaces collapse
 * to one; leading and trailing spaces go; invalid UTF-8 bytes become U+FFFD.
 * Appends to out. Returns 0, or -1 when out of memory.
 */
int mime_clean_text(struct buf *out, const char *s, size_t n);

/*
 * Body text: s[0..n) with CRLF and lone CR turned into LF, control characters
 * other than TAB and LF dropped, invalid UTF-8 replaced by U+FFFD. Appends to
 * out. Returns 0, or -1 when out of memory.
 */
int mime_clean_body(struct buf *out, const char *s, size_t n);

/*
 * Appends a complete unstructured header field "Name: value\n" (Subject,
 * X-...). value is cleaned as by mime_clean_text; when it holds non-ASCII
 * bytes or something that looks like an encoded-word it is written as RFC 2047
 * encoded-words (UTF-8, B), never splitting a character. The field is folded
 * so that lines stay within MIME_LINE_SOFT where possible and never exceed
 * MIME_LINE_HARD. Returns 0, or -1 when out of memory.
 */
int mime_header_text(struct buf *out, const char *name, const char *value);

/*
 * Appends a mailbox header field "Name: display <addr>\n" (From, To,
 * Reply-To). The display name (may be NULL or empty) is cleaned and written
 * as atoms, a quoted-string or encoded-words as needed. addr must pass
 * mime_addr_valid. Returns 0, or -1 (EXIT_DATA for a bad address, or no memory).
 */
int mime_header_mailbox(struct buf *out, const char *name, const char *display,
    const char *addr, struct err *e);

/*
 * Appends "Name: value\n" for a value the caller built from safe ASCII parts
 * (Message-ID, Date, Content-Type, List-Unsubscribe), folding at the given
 * break points: each '\x1f' in value marks a place where a fold may go (it is
 * written as a space, or as a line break and a space). Rejects values with
 * control characters or non-ASCII bytes. Returns 0, or -1 (EXIT_SOFTWARE, no memory).
 */
int mime_header_raw(struct buf *out, const char *name, const char *value, struct err *e);

/*
 * 1 when addr is an address we send to: ASCII dot-atom local part (at most 64
 * bytes) "@" a domain of LDH labels (at most 253 bytes, each label 1..63, no
 * leading or trailing hyphen), or a bracketed IPv4 literal; else 0.
 */
int mime_addr_valid(const char *addr);

/*
 * Splits a mailbox given on the command line ("Shop <shop@example.com>",
 * "shop@example.com" or "\"Shop, Ltd\" <a@b.c>") into display (may be empty)
 * and addr; both newly allocated. Returns 0, or -1 with e set (EXIT_DATA).
 */
int mime_parse_mailbox(const char *s, char **display, char **addr, struct err *e);

/*
 * The address of a mailbox header value as found in a message (unfolded or
 * not): the part inside the last <...> outside quoted strings and comments,
 * or the whole trimmed value. Writes at most sz-1 bytes to out. Returns 0, or
 * -1 when there is none or it does not fit.
 */
int mime_value_addr(const char *value, size_t n, char *out, size_t sz);

/*
 * Quoted-printable (RFC 2045 6.7) of text with LF line ends: lines of at most
 * 76 characters with soft breaks, "=" and non-ASCII encoded, trailing spaces
 * encoded, and a "From " at the start of a line written as "=46rom " so that
 * mbox quoting never touches it. Appends to out with LF line ends. Returns 0,
 * or -1 when out of memory.
 */
int mime_qp_encode(struct buf *out, const char *s, size_t n);

/* Base64 of p[0..n) without line breaks. Returns 0, or -1 when out of memory. */
int mime_base64(struct buf *out, const void *p, size_t n);

/*
 * Appends the bytes of the base64 text s[0..n) (line breaks and spaces
 * skipped, "=" padding honoured; OpenSSL's EVP decoder). Returns 0, or -1 for
 * a character outside the alphabet or no memory (out then unchanged).
 */
int mime_base64_decode(struct buf *out, const char *s, size_t n);

/*
 * Appends the decoding of the quoted-printable text s[0..n) (RFC 2045 6.7):
 * "=XX" is the byte, "=" at a line's end a soft break, trailing white space
 * dropped, line ends written as LF; a "=" not followed by two hex digits is
 * kept as it is, as the RFC suggests. Returns 0, or -1 when out of memory.
 */
int mime_qp_decode(struct buf *out, const char *s, size_t n);

/*
 * Appends a MIME body s[0..n) decoded by its Content-Transfer-Encoding value
 * cte (may be NULL): base64 and quoted-printable are decoded, anything else
 * (7bit, 8bit, binary, none) and base64 that does not decode are copied as
 * they are. Returns 1 when decoded, 0 when copied, -1 when out of memory.
 */
int mime_decode_body(struct buf *out, const char *cte, const char *s, size_t n);

/*
 * Appends s[0..n) (an unstructured header value) with its RFC 2047
 * encoded-words decoded to their bytes (B and Q; the charset is not
 * converted) and the white space between adjacent encoded-words dropped.
 * What is not an encoded-word is copied. Returns 0, or -1 when out of memory.
 */
int mime_decode_words(struct buf *out, const char *s, size_t n);

/* "Tue, 24 Nov 2026 10:00:00 +0000": t in RFC 5322 form, UTC. sz >= 32. */
void mime_date(time_t t, char *out, size_t sz);

/*
 * Finds header name (case-insensitive) in the header block head[0..n) of a
 * message (lines ending LF or CRLF, ended by an empty line or n). Puts its
 * unfolded value into out (replacing what it held) (line breaks removed, leading space trimmed) to out.
 * Returns 1 when found, 0 when absent, -1 when out of memory.
 */
int mime_find_header(const char *head, size_t n, const char *name, struct buf *out);

/* Length of the header block of msg[0..n): up to and including the empty line (or n). */
size_t mime_head_len(const char *msg, size_t n);

#endif
