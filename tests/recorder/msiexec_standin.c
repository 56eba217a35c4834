/*
 * Stand-in for Windows Installer's msiexec.exe installing and removing a constructor-built
 * .msi, compiled with MinGW by tests/test_msi.py and put in wine's System32 as msiexec.exe
 * (wine's own msiexec cannot read the stand-in .msi files the tests make).
 *
 * Every run appends one line to the file named by STANDIN_LOG, in the hex format of
 * conda_recorder.c: "msiexec", the raw command line after the program name, then argv[1..].
 *
 * What it follows:
 * - msiexec's command line: /i PACKAGE or /x PACKAGE|{ProductCode}, PROPERTY=VALUE
 *   arguments, /qn, /norestart, /l*v LOG (it writes a line to LOG).
 * - Windows Installer's registration of a product: per machine (ALLUSERS=1) the value named
 *   by the packed ProductCode under HKLM\SOFTWARE\Classes\Installer\UpgradeCodes\<packed
 *   UpgradeCode>, per user under HKCU\Software\Microsoft\Installer\UpgradeCodes\...; the
 *   Add/Remove Programs entry ...\CurrentVersion\Uninstall\{ProductCode} with DisplayVersion
 *   (the ProductVersion) and InstallLocation.
 * - constructor's MSI layout: the base environment in TARGETDIR\base.
 * - Windows Installer's statuses: /x of a product that is not installed is 1605.
 *
 * /i: STANDIN_EXIT (default 0; strtol base 0) is returned; for anything but 0, 3010 and
 * 1641 nothing is installed. Otherwise the folder STANDIN_PAYLOAD is copied to
 * TARGETDIR\base and the product STANDIN_PRODUCT_CODE, version STANDIN_VERSION, is
 * registered under the packed UpgradeCode STANDIN_UPGRADE_PACKED.
 * /x {ProductCode}: 1605 when that product is not registered; else STANDIN_REMOVE_EXIT
 * (default 0) is returned, and unless it is 0, 3010 or 1641 nothing changes (Windows
 * Installer rolls a failed removal back); on success TARGETDIR\base and the
 * registration are removed.
 * A usage mistake exits 64.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin_support.h"

#define USAGE 64
#define PATH_CHARS 4096
#define UNINSTALL "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"

static void log_run(int argc, char **argv)
{
    const char *log = getenv("STANDIN_LOG");
    FILE *f;
    int i;

    if (log == NULL || (f = fopen(log, "ab")) == NULL)
        return;
    log_field(f, "msiexec");
    log_field(f, raw_args());
    for (i = 1; i < argc; i++)
        log_field(f, argv[i]);
    fputc('\n', f);
    fclose(f);
}

/* The packed form of a {GUID}: what Windows Installer names registry entries with. */
static void pack(char *out, const char *guid)
{
    static const int order[32] = {7, 6, 5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 15, 14, 13, 12,
                                  17, 16, 19, 18, 21, 20, 23, 22, 25, 24, 27, 26, 29, 28, 31, 30};
    char digits[33];
    int n = 0, i;

    for (; *guid && n < 32; guid++) {
        if (*guid != '{' && *guid != '}' && *guid != '-')
            digits[n++] = *guid;
    }
    digits[n] = '\0';
    for (i = 0; i < 32; i++)
        out[i] = i < n ? digits[order[i]] : '0';
    out[32] = '\0';
}

static void copy_tree(const char *from, const char *to)
{
    char pattern[PATH_CHARS], a[PATH_CHARS], b[PATH_CHARS];
    WIN32_FIND_DATAA found;
    HANDLE h;

    make_dirs(to);
    snprintf(pattern, sizeof pattern, "%s\\*", from);
    if ((h = FindFirstFileA(pattern, &found)) == INVALID_HANDLE_VALUE)
        return;
    do {
        if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0)
            continue;
        snprintf(a, sizeof a, "%s\\%s", from, found.cFileName);
        snprintf(b, sizeof b, "%s\\%s", to, found.cFileName);
        if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
            copy_tree(a, b);
        else
            CopyFileA(a, b, FALSE);
    } while (FindNextFileA(h, &found));
    FindClose(h);
}

static void remove_tree(const char *dir)
{
    char pattern[PATH_CHARS], path[PATH_CHARS];
    WIN32_FIND_DATAA found;
    HANDLE h;

    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    if ((h = FindFirstFileA(pattern, &found)) != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s\\%s", dir, found.cFileName);
            if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(path);
            else
                DeleteFileA(path);
        } while (FindNextFileA(h, &found));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
}

static const char *property(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    int i;
    for (i = 1; i < argc; i++) {
        if (_strnicmp(argv[i], name, n) == 0 && argv[i][n] == '=')
            return argv[i] + n + 1;
    }
    return NULL;
}

static const char *option_value(int argc, char **argv, const char *option)
{
    int i;
    for (i = 1; i + 1 < argc; i++) {
        if (_stricmp(argv[i], option) == 0)
            return argv[i + 1];
    }
    return NULL;
}

static void write_log(int argc, char **argv, const char *text)
{
    const char *log = option_value(argc, argv, "/l*v");
    FILE *f;
    if (log != NULL && (f = fopen(log, "ab")) != NULL) {
        fprintf(f, "=== stand-in msiexec: %s ===\r\n", text);
        fclose(f);
    }
}

static void set_string(HKEY key, const char *name, const char *value)
{
    RegSetValueExA(key, name, 0, REG_SZ, (const BYTE *)value, (DWORD)strlen(value) + 1);
}

static int install(int argc, char **argv)
{
    const char *target = property(argc, argv, "TARGETDIR");
    const char *code = env_or("STANDIN_PRODUCT_CODE", "");
    const char *all = property(argc, argv, "ALLUSERS");
    int status = (int)strtol(env_or("STANDIN_EXIT", "0"), NULL, 0);
    HKEY root, key;
    char base[PATH_CHARS], name[PATH_CHARS], packed[33];

    if (target == NULL || *code == '\0')
        return USAGE;
    if (status != 0 && status != 3010 && status != 1641) {
        write_log(argc, argv, "failed");
        return status;
    }
    snprintf(base, sizeof base, "%s\\base", target);
    copy_tree(env_or("STANDIN_PAYLOAD", ""), base);
    root = all != NULL && strcmp(all, "1") == 0 ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
    snprintf(name, sizeof name, "%s%s",
             root == HKEY_LOCAL_MACHINE ? "SOFTWARE\\Classes\\Installer\\UpgradeCodes\\"
                                        : "Software\\Microsoft\\Installer\\UpgradeCodes\\",
             env_or("STANDIN_UPGRADE_PACKED", ""));
    if (RegCreateKeyExA(root, name, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) == 0) {
        pack(packed, code);
        set_string(key, packed, "");
        RegCloseKey(key);
    }
    snprintf(name, sizeof name, "%s%s", UNINSTALL, code);
    if (RegCreateKeyExA(root, name, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) == 0) {
        set_string(key, "DisplayVersion", env_or("STANDIN_VERSION", ""));
        set_string(key, "InstallLocation", target);
        set_string(key, "UpgradePacked", env_or("STANDIN_UPGRADE_PACKED", ""));
        RegCloseKey(key);
    }
    write_log(argc, argv, "installed");
    return status;
}

static int uninstall(int argc, char **argv, const char *code)
{
    HKEY roots[2] = {HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER};
    char name[PATH_CHARS], target[PATH_CHARS], upgrade[64], packed[33], base[PATH_CHARS];
    DWORD size;
    HKEY key;
    int i, status = (int)strtol(env_or("STANDIN_REMOVE_EXIT", "0"), NULL, 0);

    for (i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s%s", UNINSTALL, code);
        if (RegOpenKeyExA(roots[i], name, 0, KEY_ALL_ACCESS, &key) != 0)
            continue;
        size = sizeof target;
        if (RegQueryValueExA(key, "InstallLocation", NULL, NULL, (BYTE *)target, &size) != 0)
            target[0] = '\0';
        size = sizeof upgrade;
        if (RegQueryValueExA(key, "UpgradePacked", NULL, NULL, (BYTE *)upgrade, &size) != 0)
            upgrade[0] = '\0';
        RegCloseKey(key);
        if (status != 0 && status != 3010 && status != 1641) {
            write_log(argc, argv, "removal failed, rolled back");
            return status;
        }
        RegDeleteKeyA(roots[i], name);
        snprintf(name, sizeof name, "%s%s",
                 roots[i] == HKEY_LOCAL_MACHINE ? "SOFTWARE\\Classes\\Installer\\UpgradeCodes\\"
                                                : "Software\\Microsoft\\Installer\\UpgradeCodes\\",
                 upgrade);
        if (RegOpenKeyExA(roots[i], name, 0, KEY_ALL_ACCESS, &key) == 0) {
            pack(packed, code);
            RegDeleteValueA(key, packed);
            RegCloseKey(key);
        }
        if (target[0]) {
            snprintf(base, sizeof base, "%s\\base", target);
            remove_tree(base);
        }
        write_log(argc, argv, "removed");
        return status;
    }
    write_log(argc, argv, "unknown product");
    return 1605;
}

int main(int argc, char **argv)
{
    const char *package;

    log_run(argc, argv);
    if ((package = option_value(argc, argv, "/i")) != NULL)
        return install(argc, argv);
    if ((package = option_value(argc, argv, "/x")) != NULL) {
        if (package[0] != '{')
            return USAGE; /* the kit uninstalls by ProductCode only */
        return uninstall(argc, argv, package);
    }
    return USAGE;
}
