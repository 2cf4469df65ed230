/* svg.h - small SVG documents written straight to a stream: shapes and escaped text */
#ifndef RECMAIL_SVG_H
#define RECMAIL_SVG_H

#include <stdio.h>

/* Writes the XML declaration and the opening <svg> of a width x height drawing. */
void svg_begin(FILE *f, int width, int height);

/* A filled rectangle; fill is a colour we choose (not escaped). */
void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill);

/* A line; stroke is a colour we choose (not escaped). */
void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke,
    double width);

/*
 * Text at (x, y); anchor is "start", "middle" or "end". The text is untrusted
 * (arm or campaign names) and is escaped (& < > " ') for XML.
 */
void svg_text(FILE *f, double x, double y, const char *anchor, int size, const char *text);

/* Writes s escaped for XML text and attribute values. */
void svg_escape(FILE *f, const char *s);

/* Closes the drawing. Returns 0, or -1 when the stream has seen an error. */
int svg_end(FILE *f);

#endif
