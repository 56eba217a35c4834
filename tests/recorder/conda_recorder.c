/*
 * Recording stand-in for conda.exe, compiled with MinGW by the post-install tests and run
 * under wine in place of PREFIX\Scripts\conda.exe.
 *
 * Each call appends one line to the file named by RECORDER_LOG: every argument after
 * argv[0] as lowercase hex followed by "00" (its NUL terminator), so any byte string
 * round-trips, an empty argument stays visible, and one line is one call. The POSIX
 * `conda` stand-in in tests/scripts_support.py writes the same format.
 *
 * Exit code: RECORDER_EXIT (default 0; strtoul base 0, so "-1" and "0xC0000005" work),
 * but only from the 0-based call number RECORDER_FAIL_AT on (default 0). Earlier calls
 * exit 0, which lets a test make exactly the N-th step of a script fail.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const char *log = getenv("RECORDER_LOG");
    const char *code = getenv("RECORDER_EXIT");
    const char *fail_at = getenv("RECORDER_FAIL_AT");
    const unsigned char *p;
    long calls = 0;
    FILE *f;
    int c, i;

    if (log == NULL) {
        fputs("conda recorder: RECORDER_LOG is not set\n", stderr);
        return 125;
    }
    /* earlier calls are the lines already in the log */
    if ((f = fopen(log, "rb")) != NULL) {
        while ((c = fgetc(f)) != EOF)
            calls += c == '\n';
        fclose(f);
    }
    if ((f = fopen(log, "ab")) == NULL) {
        perror(log);
        return 125;
    }
    for (i = 1; i < argc; i++) {
        for (p = (const unsigned char *)argv[i]; *p; p++)
            fprintf(f, "%02x", *p);
        fputs("00", f);
    }
    fputc('\n', f);
    fclose(f);

    if (fail_at != NULL && calls < strtol(fail_at, NULL, 10))
        return 0;
    return code != NULL ? (int)strtoul(code, NULL, 0) : 0;
}
