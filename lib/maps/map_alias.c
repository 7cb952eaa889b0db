/* map_alias - aliases(5) lines (see map_alias.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "maps/map_alias.h"

#define SPECIALS "()<>@,;:\\.[]"

/* normalize_value - re-externalise an RFC 822 token stream */
static char *normalize_value(const char *p)
{
	struct buf out;
	int prev = 0;	/* 0 start, 1 word (atom/quoted), 2 special, 3 comma */
	int space = 0;
	char *s;

	buf_init(&out, 0);
	while (*p != '\0') {
		if (isspace((unsigned char)*p)) {
			space = 1;
			p++;
			continue;
		}
		if (*p == '"') {
			const char *q = p + 1;

			while (*q != '\0' && *q != '"') {
				if (*q == '\\' && q[1] != '\0')
					q++;
				q++;
			}
			if (*q == '"')
				q++;
			if (prev == 1 && space)
				buf_append_c(&out, ' ');
			else if (prev == 3)
				buf_append_c(&out, ' ');
			buf_append(&out, p, (size_t)(q - p));
			p = q;
			prev = 1;
		} else if (strchr(SPECIALS, *p) != NULL) {
			buf_append_c(&out, *p);
			prev = *p == ',' ? 3 : 2;
			p++;
		} else {
			const char *q = p;

			while (*q != '\0' && !isspace((unsigned char)*q) && *q != '"'
			       && strchr(SPECIALS, *q) == NULL)
				q++;
			if ((prev == 1 && space) || prev == 3)
				buf_append_c(&out, ' ');
			buf_append(&out, p, (size_t)(q - p));
			p = q;
			prev = 1;
		}
		space = 0;
	}
	s = buf_steal(&out);
	buf_deinit(&out);
	return s;
}

int map_alias_split(const char *line, char **name_r, char **value_r)
{
	const char *p = line, *name, *end;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"') {
		name = ++p;
		while (*p != '\0' && *p != '"')
			p++;
		if (*p != '"')
			return -1;
		end = p++;
	} else {
		name = p;
		while (*p != '\0' && *p != ':' && !isspace((unsigned char)*p))
			p++;
		end = p;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != ':' || end == name)
		return -1;
	*name_r = xstrndup(name, (size_t)(end - name));
	*value_r = normalize_value(p + 1);
	return 0;
}
