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
 *
 * The same program stands in for conda-repo-cli's executable, PREFIX\Scripts\conda-repo.exe
 * (tests/fake_install.py puts it there too). Run under that name, it logs "conda-repo" as
 * an extra first argument. Run as conda with "repo" first, it fails as conda 26.3 and later
 * do, which no longer run `conda-*` executables as subcommands (conda pull request 15840,
 * "Remove legacy subcommand detection", conda/cli/conda_argparse.py): argparse's
 * "invalid choice: 'repo'" on stderr and exit status 2, after logging the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* argv[0]'s file name without its folder and a trailing ".exe", lowercased, in `out` */
static void program_name(const char *argv0, char *out, size_t size)
{
    const char *base = argv0;
    const char *p;
    size_t n, i;

    for (p = argv0; *p; p++)
        if (*p == '\\' || *p == '/' || *p == ':')
            base = p + 1;
    n = strlen(base);
    if (n >= 4 && _stricmp(base + n - 4, ".exe") == 0)
        n -= 4;
    if (n >= size)
        n = size - 1;
    for (i = 0; i < n; i++)
        out[i] = (base[i] >= 'A' && base[i] <= 'Z') ? (char)(base[i] - 'A' + 'a') : base[i];
    out[n] = '\0';
}

static void log_arg(FILE *f, const char *arg)
{
    const unsigned char *p;

    for (p = (const unsigned char *)arg; *p; p++)
        fprintf(f, "%02x", *p);
    fputs("00", f);
}

int main(int argc, char **argv)
{
    const char *log = getenv("RECORDER_LOG");
    const char *code = getenv("RECORDER_EXIT");
    const char *fail_at = getenv("RECORDER_FAIL_AT");
    char name[64];
    long calls = 0;
    FILE *f;
    int c, i;

    program_name(argc > 0 ? argv[0] : "conda", name, sizeof name);

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
    if (strcmp(name, "conda-repo") == 0)
        log_arg(f, "conda-repo");
    for (i = 1; i < argc; i++)
        log_arg(f, argv[i]);
    fputc('\n', f);
    fclose(f);

    if (strcmp(name, "conda") == 0 && argc > 1 && strcmp(argv[1], "repo") == 0) {
        fputs("usage: conda-script.py [-h] [-v] [--no-plugins] [-V] COMMAND ...\n", stderr);
        fputs("conda-script.py: error: argument COMMAND: invalid choice: 'repo' (choose from "
              "'activate', 'clean', 'config', 'create', 'env', 'info', 'install', 'list', "
              "'remove', 'run', 'search', 'update')\n", stderr);
        return 2;
    }

    if (fail_at != NULL && calls < strtol(fail_at, NULL, 10))
        return 0;
    return code != NULL ? (int)strtoul(code, NULL, 0) : 0;
}
