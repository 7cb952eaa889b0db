/*
 * altdir - may this (unprivileged) process use a non-default configuration
 * directory?  Postfix's rule for the commands a plain user runs with -c/-C
 * or $MAIL_CONFIG (sendmail, and above all the set-gid postdrop, which
 * would otherwise write wherever a user's own main.cf points): a directory
 * other than the compiled-in default is allowed only to root, or when the
 * default main.cf lists it in alternate_config_directories or
 * multi_instance_directories.
 *
 * Usage: altdir_check(dir, &error) before the configuration is loaded.
 * Returns 0 (allowed) or -1 with *error_r (static storage) naming the
 * directory; the caller prints Postfix's two lines:
 *   "error: unauthorized configuration directory name: DIR"
 *   "fatal: specify \"alternate_config_directories = DIR\" or
 *    \"multi_instance_directories = DIR\" in DEFAULT/main.cf"
 */
#ifndef PC_CONFIG_ALTDIR_H
#define PC_CONFIG_ALTDIR_H

/* altdir_default - the compiled-in configuration directory */
const char *altdir_default(void);
/* altdir_check - 0 when dir is NULL, the default, or listed; root always passes */
int altdir_check(const char *dir, const char **error_r);

#endif
