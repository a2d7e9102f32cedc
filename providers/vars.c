#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "providers/vars.h"

static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* At IN[i] == '$': the length of a "${NAME}" or "${SECRET:RULE}", or 0. */
static size_t placeholder(const char *in, size_t n, size_t i, size_t *name_at, size_t *name_len,
			  int *secret)
{
	size_t j = i + 2;

	if (i + 3 >= n || in[i + 1] != '{')
		return 0;
	*secret = n - j > 7 && !memcmp(in + j, "SECRET:", 7);
	if (*secret)
		j += 7;
	*name_at = j;
	while (j < n && (name_char(in[j]) || (*secret && in[j] == '-')))
		j++;
	if (j == *name_at || j >= n || in[j] != '}')
		return 0;
	*name_len = j - *name_at;
	return j + 1 - i;
}

size_t sbx_vars_match(const char *in, size_t n, size_t i, int *secret)
{
	size_t at, len;
	int sec = 0;
	size_t k = i < n && in[i] == '$' ? placeholder(in, n, i, &at, &len, &sec) : 0;

	if (secret)
		*secret = k ? sec : 0;
	return k;
}

void sbx_vars_scan(const char *in, size_t n, json_t *names)
{
	size_t i;

	for (i = 0; i + 3 < n; i++) {
		size_t at, len, k;
		int secret;
		char *name;

		if (in[i] != '$' || !(k = placeholder(in, n, i, &at, &len, &secret)))
			continue;
		if (!secret) {
			name = strndup(in + at, len);
			json_object_set_new(names, name, json_true());
			free(name);
		}
		i += k - 1;
	}
}

size_t sbx_vars_fill(json_t *vars, json_t *secrets, const char *in, size_t n, struct sbx_buf *out,
		     json_t *missing)
{
	size_t i = 0, from = 0, count = 0;

	while (i + 3 < n) {
		size_t at, len, k;
		int secret;
		char *name;
		json_t *v;

		if (in[i] != '$' || !(k = placeholder(in, n, i, &at, &len, &secret))) {
			i++;
			continue;
		}
		name = strndup(in + at, len);
		v = json_object_get(secret ? secrets : vars, name);
		if (json_is_string(v)) {
			sbx_buf_add(out, in + from, i - from);
			sbx_buf_adds(out, json_string_value(v));
			from = i + k;
			count++;
		} else if (!secret && missing) {
			json_object_set_new(missing, name, json_true());
		}
		free(name);
		i += k;
	}
	sbx_buf_add(out, in + from, n - from);
	return count;
}

struct pair {
	const char *value;
	size_t len;
	char *placeholder;
};

static int longer_first(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static size_t collect(json_t *obj, int secret, struct pair **p, size_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		size_t len = json_is_string(v) ? strlen(json_string_value(v)) : 0;
		struct sbx_buf ph = SBX_BUF_INIT;

		/* Very short values would replace ordinary text. */
		if (len < 4)
			continue;
		sbx_buf_addf(&ph, secret ? "${SECRET:%s}" : "${%s}", k);
		*p = sbx_xrealloc(*p, (n + 1) * sizeof **p);
		(*p)[n].value = json_string_value(v);
		(*p)[n].len = len;
		(*p)[n].placeholder = sbx_buf_detach(&ph, NULL);
		n++;
	}
	return n;
}

size_t sbx_vars_unfill(json_t *vars, json_t *secrets, const char *in, size_t n, struct sbx_buf *out)
{
	struct pair *p = NULL;
	size_t np = 0, nsec, i = 0, from = 0, count = 0, k;

	np = collect(secrets, 1, &p, 0);
	nsec = np;
	np = collect(vars, 0, &p, np);
	/* Secrets first (they must never stay), then longer values first.
	 * Without any, P is NULL, which qsort must not be given. */
	if (nsec > 1)
		qsort(p, nsec, sizeof *p, longer_first);
	if (np - nsec > 1)
		qsort(p + nsec, np - nsec, sizeof *p, longer_first);
	while (i < n) {
		for (k = 0; k < np; k++)
			if (n - i >= p[k].len && !memcmp(in + i, p[k].value, p[k].len))
				break;
		if (k == np) {
			i++;
			continue;
		}
		sbx_buf_add(out, in + from, i - from);
		sbx_buf_adds(out, p[k].placeholder);
		i += p[k].len;
		from = i;
		count++;
	}
	sbx_buf_add(out, in + from, n - from);
	for (k = 0; k < np; k++)
		free(p[k].placeholder);
	free(p);
	return count;
}
