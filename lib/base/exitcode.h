/* exitcode.h - the exit statuses of every recmail program (the values of sysexits.h) */
#ifndef RECMAIL_EXITCODE_H
#define RECMAIL_EXITCODE_H

enum exitcode {
	EXIT_OK = 0,          /* everything done */
	EXIT_PARTIAL = 1,     /* ran to the end, but some records failed (reported) */
	EXIT_USAGE = 64,      /* bad options or arguments */
	EXIT_DATA = 65,       /* bad input data */
	EXIT_NOINPUT = 66,    /* an input file cannot be opened */
	EXIT_UNAVAIL = 69,    /* a service is unavailable (permanent) */
	EXIT_SOFTWARE = 70,   /* internal error: a bug */
	EXIT_OSERR = 71,      /* out of memory, fork failed, ... */
	EXIT_CANTCREAT = 73,  /* an output file cannot be created */
	EXIT_IO = 74,         /* read or write error */
	EXIT_TEMPFAIL = 75,   /* temporary failure: try again later */
};

#endif
