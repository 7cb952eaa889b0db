/* map_source - "key whitespace value" lines (see map_source.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/mem.h"
#include "maps/map_source.h"

int map_source_split(const char *line, char **key_r, char **value_r)
{
	const char *p = line, *key, *end;

	while (isspace((unsigned char)*p))
		p++;
	key = p;
	if (*p == '"') {
		const char *close = strchr(p + 1, '"');

		p = close != NULL ? close + 1 : p + strlen(p);
	}
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	end = p;
	while (isspace((unsigned char)*p))
		p++;
	if (end == key || *p == '\0')
		return -1;
	*key_r = xstrndup(key, (size_t)(end - key));
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*value_r = xstrndup(p, (size_t)(end - p));
	return 0;
}
