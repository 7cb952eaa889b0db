/*
 * altdir - the alternate configuration directory rule (see altdir.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/altdir.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/mem.h"

const char *altdir_default(void)
{
	return PC_CONFIG_DIR;
}

/* same_dir - the two names denote the same directory (after realpath when possible) */
static int same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = strcmp(ra != NULL ? ra : a, rb != NULL ? rb : b) == 0;

	free(ra);
	free(rb);
	return same;
}

/* listed - dir is one of the directories in parameter name of cfg */
static int listed(struct pfconf *cfg, const char *name, const char *dir)
{
	struct argv *list = pfconf_get_list(cfg, name);
	int found = 0;

	for (size_t i = 0; list != NULL && i < list->n && !found; i++)
		found = same_dir(list->v[i], dir);
	argv_destroy(&list);
	return found;
}

int altdir_check(const char *dir, const char **error_r)
{
	static char errbuf[1024];
	struct pfconf *def;
	const char *error;
	int ok;

	if (dir == NULL || getuid() == 0 || same_dir(dir, PC_CONFIG_DIR))
		return 0;
	if (pfconf_load(&def, PC_CONFIG_DIR, &error) < 0) {
		snprintf(errbuf, sizeof(errbuf), "%s", error);
		*error_r = errbuf;
		return -1;
	}
	ok = listed(def, "alternate_config_directories", dir)
		|| listed(def, "multi_instance_directories", dir);
	pfconf_free(&def);
	if (ok)
		return 0;
	snprintf(errbuf, sizeof(errbuf), "unauthorized configuration directory name: %s", dir);
	*error_r = errbuf;
	return -1;
}
