/* What the Windows stand-ins (installer_standin.c, msiexec_standin.c) share: reading the
 * environment, the raw command line as the real program parses it, and the hex fields of
 * the log the tests read back. Tests only; each stand-in includes it. */
#ifndef STANDIN_SUPPORT_H
#define STANDIN_SUPPORT_H

#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value != NULL ? value : fallback;
}

/* The command line after the program name, which NSIS and msiexec parse themselves. */
static const char *raw_args(void)
{
    const char *p = GetCommandLineA();
    if (*p == '"') {
        p = strchr(p + 1, '"');
        p = p != NULL ? p + 1 : "";
    } else {
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* One log field: its bytes in hex, then 00, so any text survives the round trip. */
static void log_field(FILE *f, const char *text)
{
    const unsigned char *p;
    for (p = (const unsigned char *)text; *p; p++)
        fprintf(f, "%02x", *p);
    fputs("00", f);
}

/* CreateDirectory for every level of a path; existing levels are fine. */
static void make_dirs(const char *path)
{
    char buffer[4096];
    char *p;

    snprintf(buffer, sizeof buffer, "%s", path);
    for (p = buffer + 3; *p; p++) {
        if (*p == '\\') {
            *p = '\0';
            CreateDirectoryA(buffer, NULL);
            *p = '\\';
        }
    }
    CreateDirectoryA(buffer, NULL);
}

#endif
