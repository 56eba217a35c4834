/*
 * Stand-in for a constructor-built Windows installer (NSIS .exe), its uninstaller and
 * certutil, compiled with MinGW by tests/test_deploy_windows.py and run under wine by the
 * deployment kit's install.cmd and uninstall.cmd.
 *
 * Every run appends one line to the file named by STANDIN_LOG, in the hex format of
 * conda_recorder.c (each field as hex followed by "00"): the role ("install" or
 * "uninstall"), the raw command line after the program name, then argv[1..].
 *
 * Like NSIS, both read their folder from the raw command line, not from argv: the
 * installer takes everything after " /D=", the uninstaller everything after " _?=", so
 * that argument only works last and unquoted. Both need /S (NSIS parses its options only
 * in silent mode). A usage mistake exits 64.
 *
 * Installer (any file name not starting with "Uninstall-"). Like NSIS it refuses a folder
 * that is not empty (exit 1). STANDIN_MODE:
 *   ok        lays out an installation (below), exits 0
 *   fail      creates nothing, exits STANDIN_EXIT (default 1; strtol base 0)
 *   broken    as ok but leaves out STANDIN_LEAVE_OUT (a path relative to the folder), exits 0
 *   noverify  as ok but the version marker names another version, exits 0
 * The installation: a copy of the folder STANDIN_PAYLOAD (the project as the fake install
 * of the tests leaves it) and Uninstall-<STANDIN_NAME>.exe (a copy of this program).
 *
 * Registry, as constructor's NSIS template writes it (only when STANDIN_UNINSTALL_NAME is
 * set, so the session's registry stays clean otherwise): a good install (modes ok, broken,
 * noverify; never fail, whose NSIS run stops before the registry step) writes
 * SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\<STANDIN_UNINSTALL_NAME> with
 * DisplayVersion = STANDIN_VERSION, in HKLM for /InstallationType=AllUsers and HKCU
 * otherwise; the uninstaller deletes that key from both.
 *
 * Deploy-time token, read as the installer's post-install step (post_install.bat.j2) reads
 * it: the variable named by STANDIN_TOKEN_ENV first, else the first line of the file
 * STANDIN_TOKEN_FILE. When either is set and neither gives a token, the install fails as
 * the unattended post-install does ("none given to this unattended install": exit 1,
 * nothing laid out). What it got is written to STANDIN_TOKEN_SEEN (a test's own file,
 * never a log under test); with STANDIN_TOKEN_REMOVE=1 a token read from the file has the
 * file removed, as the post-install does with the profile's remove_file.
 *
 * Uninstaller (Uninstall-*.exe): constructor's uninstaller options (/RemoveCaches=,
 * /RemoveConfigFiles=, /RemoveUserData=, with uninstall_with_conda_exe) come before _?=
 * and are only recorded. It removes everything in its folder except itself, as NSIS
 * does when run with _?=, and exits STANDIN_UNINSTALL_EXIT (default 0). With STANDIN_HOLD
 * (a path relative to the folder) it first opens that file without sharing and hands the
 * handle to a child that keeps it open for STANDIN_HOLD_MS (default 3000) after the
 * uninstaller has exited, like a program still running from the installation.
 *
 * certutil.exe (wine's is a stub that prints nothing): `certutil -hashfile FILE SHA256`
 * prints what Windows' certutil prints, with STANDIN_SHA256 as the hash, and nothing when
 * that variable is empty or not set. It is not logged.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin_support.h"

#define USAGE 64
#define PATH_CHARS 4096

static int log_run(const char *role, int argc, char **argv)
{
    const char *log = getenv("STANDIN_LOG");
    FILE *f;
    int i;

    if (log == NULL) {
        fputs("installer stand-in: STANDIN_LOG is not set\n", stderr);
        return 0;
    }
    if ((f = fopen(log, "ab")) == NULL)
        return 0;
    log_field(f, role);
    log_field(f, raw_args());
    for (i = 1; i < argc; i++)
        log_field(f, argv[i]);
    fputc('\n', f);
    fclose(f);
    return 1;
}

/* Everything after the first " <key>" of the arguments (or at their start), or NULL. */
static const char *after(const char *args, const char *key)
{
    size_t n = strlen(key);
    const char *p;

    if (strncmp(args, key, n) == 0)
        return args + n;
    for (p = args; (p = strchr(p, ' ')) != NULL; p++) {
        if (strncmp(p + 1, key, n) == 0)
            return p + 1 + n;
    }
    return NULL;
}

static int silent(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "/S") == 0)
            return 1;
    }
    return 0;
}

static void join(char *out, const char *dir, const char *rel)
{
    snprintf(out, PATH_CHARS, "%s\\%s", dir, rel);
}

static int left_out(const char *rel)
{
    return strcmp(env_or("STANDIN_MODE", "ok"), "broken") == 0
        && _stricmp(env_or("STANDIN_LEAVE_OUT", ""), rel) == 0;
}

static void write_file(const char *prefix, const char *rel, const char *text)
{
    char path[PATH_CHARS];
    char *slash;
    FILE *f;

    if (left_out(rel))
        return;
    join(path, prefix, rel);
    if ((slash = strrchr(path, '\\')) != NULL) {
        *slash = '\0';
        make_dirs(path);
        *slash = '\\';
    }
    if ((f = fopen(path, "wb")) != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void copy_file(const char *source, const char *prefix, const char *rel)
{
    char path[PATH_CHARS];
    char *slash;

    if (left_out(rel))
        return;
    join(path, prefix, rel);
    if ((slash = strrchr(path, '\\')) != NULL) {
        *slash = '\0';
        make_dirs(path);
        *slash = '\\';
    }
    CopyFileA(source, path, FALSE);
}

/* Copy what is below source\rel to prefix\rel ("" for rel: all of it), as the payload. */
static void copy_tree(const char *source, const char *prefix, const char *rel)
{
    char pattern[PATH_CHARS], from[PATH_CHARS], sub[PATH_CHARS];
    WIN32_FIND_DATAA found;
    HANDLE h;

    snprintf(from, sizeof from, "%s%s%s", source, *rel ? "\\" : "", rel);
    join(pattern, from, "*");
    if ((h = FindFirstFileA(pattern, &found)) == INVALID_HANDLE_VALUE)
        return;
    do {
        if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "\\" : "", found.cFileName);
        if (left_out(sub))
            continue;
        if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            join(pattern, prefix, sub);
            make_dirs(pattern);
            copy_tree(source, prefix, sub);
        } else {
            join(pattern, source, sub);
            copy_file(pattern, prefix, sub);
        }
    } while (FindNextFileA(h, &found));
    FindClose(h);
}

static int is_empty_dir(const char *dir)
{
    char pattern[PATH_CHARS];
    WIN32_FIND_DATAA found;
    HANDLE h;
    int empty = 1;

    join(pattern, dir, "*");
    if ((h = FindFirstFileA(pattern, &found)) == INVALID_HANDLE_VALUE)
        return 1;
    do {
        if (strcmp(found.cFileName, ".") != 0 && strcmp(found.cFileName, "..") != 0)
            empty = 0;
    } while (empty && FindNextFileA(h, &found));
    FindClose(h);
    return empty;
}

#define UNINSTALL_KEY "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"

static int uninstall_key(char *out, size_t size)
{
    const char *name = env_or("STANDIN_UNINSTALL_NAME", "");
    if (*name == '\0')
        return 0;
    snprintf(out, size, "%s%s", UNINSTALL_KEY, name);
    return 1;
}

static void register_release(void)
{
    const char *version = env_or("STANDIN_VERSION", "");
    HKEY hive = strstr(raw_args(), "/InstallationType=AllUsers") != NULL ? HKEY_LOCAL_MACHINE
                                                                        : HKEY_CURRENT_USER;
    char key[1024];
    HKEY h;

    if (!uninstall_key(key, sizeof key))
        return;
    if (RegCreateKeyExA(hive, key, 0, NULL, 0, KEY_WRITE, NULL, &h, NULL) != ERROR_SUCCESS)
        return;
    RegSetValueExA(h, "DisplayVersion", 0, REG_SZ, (const BYTE *)version,
                   (DWORD)strlen(version) + 1);
    RegCloseKey(h);
}

static void unregister_release(void)
{
    char key[1024];

    if (!uninstall_key(key, sizeof key))
        return;
    RegDeleteKeyA(HKEY_LOCAL_MACHINE, key);
    RegDeleteKeyA(HKEY_CURRENT_USER, key);
}

/* 0 when a token was expected and none was given (the post-install would fail). */
static int take_token(void)
{
    const char *var = env_or("STANDIN_TOKEN_ENV", "");
    const char *file = env_or("STANDIN_TOKEN_FILE", "");
    const char *seen = getenv("STANDIN_TOKEN_SEEN");
    const char *value = NULL;
    char line[1024];
    FILE *f;

    if (*var == '\0' && *file == '\0')
        return 1;
    if (*var != '\0' && (value = getenv(var)) != NULL && *value == '\0')
        value = NULL;
    if (value == NULL && *file != '\0' && (f = fopen(file, "rb")) != NULL) {
        if (fgets(line, sizeof line, f) != NULL) {
            line[strcspn(line, "\r\n")] = '\0';
            if (*line != '\0')
                value = line;
        }
        fclose(f);
        if (value != NULL && strcmp(env_or("STANDIN_TOKEN_REMOVE", ""), "1") == 0)
            DeleteFileA(file);
    }
    if (value == NULL)
        return 0;
    if (seen != NULL && (f = fopen(seen, "wb")) != NULL) {
        fputs(value, f);
        fclose(f);
    }
    return 1;
}

static int install(const char *prefix)
{
    const char *mode = env_or("STANDIN_MODE", "ok");
    const char *name = env_or("STANDIN_NAME", "Standin");
    char self[PATH_CHARS], rel[PATH_CHARS], marker[1024];

    if (strcmp(mode, "fail") == 0)
        return (int)strtol(env_or("STANDIN_EXIT", "1"), NULL, 0);
    if (strcmp(mode, "ok") != 0 && strcmp(mode, "broken") != 0 && strcmp(mode, "noverify") != 0)
        return USAGE;
    if (!is_empty_dir(prefix))
        return 1; /* NSIS: "the folder must be empty" */
    if (!take_token())
        return 1; /* post_install.bat: no token for an unattended install */
    make_dirs(prefix);
    copy_tree(env_or("STANDIN_PAYLOAD", ""), prefix, "");
    if (strcmp(mode, "noverify") == 0) {
        snprintf(marker, sizeof marker,
                 "{\n  \"name\": \"%s\",\n  \"platform\": \"win-64\",\n"
                 "  \"version\": \"0.0.0-other\"\n}\n",
                 name);
        write_file(prefix, "etc\\installer-factory\\installer.json", marker);
    }
    GetModuleFileNameA(NULL, self, sizeof self);
    snprintf(rel, sizeof rel, "Uninstall-%s.exe", name);
    copy_file(self, prefix, rel);
    register_release();
    return 0;
}

/* Remove what is in dir; at the top level the running uninstaller stays, as with _?=. */
static void remove_contents(const char *dir, const char *keep)
{
    char pattern[PATH_CHARS], path[PATH_CHARS];
    WIN32_FIND_DATAA found;
    HANDLE h;

    join(pattern, dir, "*");
    if ((h = FindFirstFileA(pattern, &found)) == INVALID_HANDLE_VALUE)
        return;
    do {
        if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0)
            continue;
        if (keep != NULL && _stricmp(found.cFileName, keep) == 0)
            continue;
        join(path, dir, found.cFileName);
        if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            remove_contents(path, NULL);
            RemoveDirectoryA(path);
        } else {
            DeleteFileA(path);
        }
    } while (FindNextFileA(h, &found));
    FindClose(h);
}

/* Keep prefix\rel open without sharing in a child that outlives this process. */
static void hold(const char *prefix, const char *rel)
{
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    STARTUPINFOA startup;
    PROCESS_INFORMATION child;
    char path[PATH_CHARS], self[PATH_CHARS], line[PATH_CHARS + 64];
    HANDLE file;

    join(path, prefix, rel);
    file = CreateFileA(path, GENERIC_READ, 0, &inherit, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return;
    GetModuleFileNameA(NULL, self, sizeof self);
    snprintf(line, sizeof line, "\"%s\" --hold %s", self, env_or("STANDIN_HOLD_MS", "3000"));
    memset(&startup, 0, sizeof startup);
    startup.cb = sizeof startup;
    if (CreateProcessA(self, line, NULL, NULL, TRUE, DETACHED_PROCESS, NULL, NULL, &startup,
                       &child)) {
        CloseHandle(child.hThread);
        CloseHandle(child.hProcess);
    }
    CloseHandle(file);
}

static int uninstall(const char *prefix)
{
    char self[PATH_CHARS];
    const char *base, *held = getenv("STANDIN_HOLD");

    if (held != NULL)
        hold(prefix, held);
    GetModuleFileNameA(NULL, self, sizeof self);
    base = strrchr(self, '\\');
    remove_contents(prefix, base != NULL ? base + 1 : self);
    unregister_release();
    return (int)strtol(env_or("STANDIN_UNINSTALL_EXIT", "0"), NULL, 0);
}

static int certutil(int argc, char **argv)
{
    const char *hash = env_or("STANDIN_SHA256", "");

    if (argc != 4 || _stricmp(argv[1], "-hashfile") != 0 || strcmp(argv[3], "SHA256") != 0)
        return USAGE;
    if (*hash != '\0') {
        printf("SHA256 hash of %s:\r\n%s\r\n", argv[2], hash);
        printf("CertUtil: -hashfile command completed successfully.\r\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    char self[PATH_CHARS];
    const char *base, *folder;
    int uninstaller;

    if (argc == 3 && strcmp(argv[1], "--hold") == 0) {
        Sleep((DWORD)strtoul(argv[2], NULL, 10));
        return 0;
    }
    GetModuleFileNameA(NULL, self, sizeof self);
    base = strrchr(self, '\\');
    base = base != NULL ? base + 1 : self;
    if (_stricmp(base, "certutil.exe") == 0)
        return certutil(argc, argv);
    uninstaller = _strnicmp(base, "Uninstall-", 10) == 0;
    log_run(uninstaller ? "uninstall" : "install", argc, argv);
    folder = after(raw_args(), uninstaller ? "_?=" : "/D=");
    if (!silent(argc, argv) || folder == NULL || *folder == '\0' || strchr(folder, '"') != NULL)
        return USAGE;
    return uninstaller ? uninstall(folder) : install(folder);
}
