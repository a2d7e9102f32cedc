/*
 * Secret detection with PCRE2 (8-bit code units, never UTF, so any bytes
 * scan, NULs included).
 *
 * Each rule is one compiled pattern, JIT-compiled when PCRE2 can.  A scan
 * keeps, for every rule, its next match at or after the current position,
 * emits the one that starts first (then the longest, then the earliest
 * rule), moves the position past it and looks again for the rules whose
 * next match now overlaps what was emitted.  So each rule runs over the
 * buffer about once, and the hits come out sorted and disjoint.
 *
 * Three rules cannot be judged by a regular expression alone and have a
 * check function that accepts or rejects a match and says where its value
 * is: password-field (is the secret word the last word of the key?  is the
 * value a placeholder?), url-credentials (placeholders) and private-key
 * (is there a key in the armour?).  A rejected match costs one more search
 * from the byte after its start.
 *
 * The patterns are written for linear time on hostile input: possessive
 * repeats, no unquoted value running to the end of a line inside an
 * expression, bounded look-aheads.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policies/secrets.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Rule names are short enough to read in a report and in "${SECRET:...}". */
#define NAME_MAX_LEN 64

/* Decides whether the match in OV (over P[0..N)) is a secret, and if so
 * stores its value's range in *VS and *VE and returns 1. */
typedef int (*check_fn)(const unsigned char *p, size_t n, const PCRE2_SIZE *ov,
			size_t *vs, size_t *ve);

struct rule {
	char *name;
	pcre2_code *re;
	check_fn check;         /* NULL: the value is group "value" or the match */
	uint32_t *value_groups; /* numbers of the groups named "value" */
	size_t nvalue_groups;
};

struct sbx_secrets {
	struct rule *rules;
	size_t nrules;
	uint32_t pairs; /* ovector pairs a match data needs: 1 + most groups */
};

/* ASCII only, whatever the locale: the scanned bytes are not text. */
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_lower(c) || is_upper(c) || is_digit(c); }
static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static unsigned char lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }

static int ieq(const unsigned char *p, size_t n, const char *s)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(p[i]) != (unsigned char)s[i])
			return 0;
	return 1;
}

static int iprefix(const unsigned char *p, size_t n, const char *s)
{
	size_t i, k = strlen(s);

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (lower(p[i]) != (unsigned char)s[i])
			return 0;
	return 1;
}

/* Does P[0..N) contain the word W (lower case) on alphanumeric boundaries,
 * whatever its case? */
static int has_word(const unsigned char *p, size_t n, const char *w)
{
	size_t k = strlen(w), i;

	for (i = 0; i + k <= n; i++)
		if ((i == 0 || !is_alnum(p[i - 1])) && (i + k == n || !is_alnum(p[i + k])) &&
		    iprefix(p + i, k, w))
			return 1;
	return 0;
}

static int all_of(const unsigned char *p, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!p[i] || !strchr(set, p[i]))
			return 0;
	return 1;
}

static int wrapped(const unsigned char *p, size_t n, const char *open, const char *close)
{
	size_t a = strlen(open), b = strlen(close);

	return n >= a + b && !memcmp(p, open, a) && !memcmp(p + n - b, close, b);
}

/*
 * Values that stand for a secret without being one: template and
 * environment references ("${DB_PASSWORD}", "{{ vault_pw }}", "$SMTP_PASS",
 * "<your token>", "process.env.SMTP_PASS" in a JavaScript config), what
 * redaction itself wrote, scalars that mean "unset", and masks
 * ("********").
 */
static int is_placeholder(const unsigned char *v, size_t n)
{
	static const char *const unset[] = {
		"null", "nil", "none", "undefined", "true", "false", "yes", "no",
		"on", "off", "~", "redacted", "[redacted]", "filtered", "[filtered]",
	};
	static const char *const code[] = {
		"process.env.", "process.env[", "os.environ[", "os.environ.get(", "os.getenv(",
		"getenv(", "env(", "env[", "env.fetch(", "system.getenv(",
	};
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < ARRAY_SIZE(unset); i++)
		if (ieq(v, n, unset[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(code); i++)
		if (iprefix(v, n, code[i]))
			return 1;
	if (wrapped(v, n, "${", "}") || wrapped(v, n, "{{", "}}") ||
	    wrapped(v, n, "$(", ")") || wrapped(v, n, "#{", "}") ||
	    wrapped(v, n, "%{", "}") || wrapped(v, n, "<%", "%>") ||
	    (wrapped(v, n, "<", ">") && !memchr(v, '\n', n)))
		return 1;
	if (v[0] == '$' && n > 1 && (is_alnum(v[1]) || v[1] == '_') && !is_digit(v[1])) {
		for (i = 1; i < n && (is_alnum(v[i]) || v[i] == '_'); i++)
			;
		if (i == n)
			return 1;
	}
	if (all_of(v, n, "*") || (n >= 3 && all_of(v, n, "xX")) || all_of(v, n, "\xe2\x80\xa2"))
		return 1;
	return 0;
}

/* A file name rather than a secret ("/etc/ssl/private/help.key",
 * "~/.aws/credentials"): judged only for the keys whose values are often
 * paths, since a random secret may well begin with a slash. */
static int is_path(const unsigned char *v, size_t n)
{
	if (!(n >= 2 && v[0] == '/') && !(n >= 3 && !memcmp(v, "./", 2)) &&
	    !(n >= 4 && !memcmp(v, "../", 3)) && !(n >= 3 && !memcmp(v, "~/", 2)))
		return 0;
	return all_of(v, n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/~-");
}

/* ---------------------------------------------------------------------- */
/* password-field */

/*
 * The secret word (group 1) followed by one of the shapes that give it a
 * value; each shape captures the value in its own group:
 *
 *   2  "key": "value"        JSON (also "key" => "value")
 *   3  'key': 'value'        Python, JavaScript, PHP arrays
 *   4  \"key\": \"value\"    JSON inside a JSON string
 *   5  key: "value"          YAML, JavaScript object literals
 *   6  key: 'value'
 *   7  key: value           (a YAML plain scalar: its first token here, the
 *                            rest of the line up to a " #" comment in the check)
 *   8  KEY="value"           env, ini, properties, TOML, XML attributes
 *   9  KEY='value'
 *  10  KEY=value            (one token; the whole line, less a " #" comment,
 *                            when the key begins the line)
 *  11  <key>value</key>      XML elements
 *
 * The regular expression only sees the word and what follows it; the check
 * looks back to find where the key begins and whether the word ends it.
 * No unquoted value runs to the end of the line in the expression: on one
 * long line holding the word many times that would make the scan
 * quadratic.  The check extends a value to the end of its line once it
 * knows that the key begins the line, which happens once per line.
 */
#define DQ_BODY "((?:[^\"\\\\\\r\\n]++|\\\\[^\\r\\n])*+)"
/* The rest of an unquoted value inside a line: a query string, a
 * connection string, a command line. */
#define TOKEN "[^\\s;&\"'<>,)\\]}]*+"

static const char password_field_re[] =
	"(?i:(pass(?:word|wd|phrase)?|pwd|secret(?:[_.-]?(?:access[_.-]?)?key)?|token"
	"|api[_.-]?key|private[_.-]?key|credentials))"
	"(?:"
	"\"\\s*+(?::|=>)\\s*+\"" DQ_BODY "\""
	"|'\\s*+(?::|=>)\\s*+'((?:[^'\\\\\\r\\n]++|\\\\[^\\r\\n])*+)'"
	"|\\\\\"\\s*+:\\s*+\\\\\"((?:[^\"\\\\\\r\\n]++|\\\\[^\"\\r\\n])*+)\\\\\""
	"|[ \\t]*+:[ \\t]++"
	"(?:\"" DQ_BODY "\"|'((?:[^'\\r\\n]++|'')*+)'|([^\\s|>#&*!%@`\"'{}\\[\\],]" TOKEN "))"
	"|[ \\t]*+=(?![=>])[ \\t]*+"
	"(?:\"" DQ_BODY "\"|'([^'\\r\\n]*+)'|([^\\s\"']" TOKEN "))"
	"|>([^<\\r\\n]++)</"
	")";

enum { PF_JSON = 2, PF_SQ, PF_ESC, PF_YAML_DQ, PF_YAML_SQ, PF_YAML, PF_EQ_DQ,
       PF_EQ_SQ, PF_EQ, PF_XML, PF_LAST = PF_XML };

static int key_char(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

static int line_start(const unsigned char *p, size_t i)
{
	return i == 0 || p[i - 1] == '\n' || p[i - 1] == '\r';
}

/* Skips blanks backwards from I. */
static size_t back_blanks(const unsigned char *p, size_t i)
{
	while (i > 0 && is_blank(p[i - 1]))
		i--;
	return i;
}

/*
 * The word of the key before the secret word, in KEY[KS..WS): "page" in
 * "next_page_token" and in "nextPageToken".  Stores its range.
 */
static void previous_word(const unsigned char *p, size_t ks, size_t ws, size_t *a, size_t *b)
{
	size_t i = ws;

	if (i > ks && p[i - 1] && strchr("_-. ", p[i - 1]))
		i--;
	*b = i;
	if (i > ks && is_upper(p[i - 1])) {
		while (i > ks && (is_upper(p[i - 1]) || is_digit(p[i - 1])))
			i--;
	} else {
		while (i > ks && (is_lower(p[i - 1]) || is_digit(p[i - 1])))
			i--;
		if (i > ks && is_upper(p[i - 1]))
			i--;
	}
	*a = i;
}

/*
 * Is the secret word P[WS..WE) the last word of the key P[KS..WE)?  It must
 * be the whole key or follow a separator ("smtp_password", "db.password",
 * "SMTP Password") or a camelCase hump ("apiToken").  "password", "passwd",
 * "passphrase" and "secret" may also end a compound ("PGPASSWORD",
 * "clientsecret"), but "pass" may not ("bypass", "compass").  A few
 * qualifiers make a token or a secret something else: a pagination cursor
 * ("next_page_token") or the name of a Kubernetes Secret
 * ("existingSecret").
 */
static int key_ends_with_word(const unsigned char *p, size_t ks, size_t ws, size_t we)
{
	static const char *const not_secret[] = {
		"page", "next", "continuation", "sync", "cursor", "existing",
	};
	unsigned char c;
	size_t a, b, i;

	if (ws == ks)
		return 1;
	c = p[ws - 1];
	if (!(c && strchr("_-. :", c)) && !((is_lower(c) || is_digit(c)) && is_upper(p[ws])) &&
	    !(we - ws > 4 && iprefix(p + ws, we - ws, "pass")) && !iprefix(p + ws, we - ws, "secret"))
		return 0;
	if (iprefix(p + ws, we - ws, "token") || iprefix(p + ws, we - ws, "secret")) {
		previous_word(p, ks, ws, &a, &b);
		for (i = 0; i < ARRAY_SIZE(not_secret); i++)
			if (ieq(p + a, b - a, not_secret[i]))
				return 0;
	}
	return 1;
}

/* Walks back from WS over the characters of a quoted key to its opening
 * QUOTE; returns the key's first byte, or (size_t)-1. */
static size_t quoted_key_start(const unsigned char *p, size_t ws, unsigned char quote)
{
	size_t i = ws;

	while (i > 0 && ws - i < 256 && p[i - 1] != quote && p[i - 1] != '\n' && p[i - 1] != '\r')
		i--;
	if (i == 0 || p[i - 1] != quote)
		return (size_t)-1;
	return i;
}

static size_t bare_key_start(const unsigned char *p, size_t ws)
{
	size_t i = ws;

	while (i > 0 && ws - i < 256 && key_char(p[i - 1]))
		i--;
	return i;
}

/* Extends the value at VS to the end of its line, less a " #" comment (as
 * dotenv and YAML have them) and the blanks before it. */
static size_t line_value_end(const unsigned char *p, size_t n, size_t vs)
{
	size_t i, e = vs;

	while (e < n && p[e] != '\n' && p[e] != '\r')
		e++;
	for (i = vs + 1; i < e; i++)
		if (p[i] == '#' && is_blank(p[i - 1])) {
			e = i;
			break;
		}
	while (e > vs && is_blank(p[e - 1]))
		e--;
	return e;
}

/* A user-interface label that names the secret rather than holds it, as in
 * translation files: "password": "Password", "new_password": "New
 * password", "api_token": "API token", "forgot_password": "Forgot your
 * password?" (at most four words, one of them the key's word). */
static int is_label(const unsigned char *v, size_t n, const unsigned char *w, size_t wn)
{
	char word[32];
	size_t i, spaces = 0;

	if (wn >= sizeof word)
		return 0;
	for (i = 0; i < wn; i++)
		word[i] = (char)lower(w[i]);
	word[wn] = '\0';
	if (n == wn && is_upper(v[0]) && ieq(v, n, word)) {
		for (i = 1; i < n && !is_upper(v[i]); i++)
			;
		return i == n;
	}
	for (i = 0; i < n; i++)
		spaces += v[i] == ' ';
	return spaces >= 1 && spaces <= 3 && has_word(v, n, word);
}

/*
 * A sentence of a user interface or of a help text, as translation bundles
 * hold under keys such as "errors.invalid_token": "This link is not valid
 * any more.".  Judged only for compound keys (never for a key that is just
 * "password" or "token"), and strictly: a capital, five words or more of
 * letters and ordinary punctuation, at least two of them grammatical words
 * ("this", "is", "your"...), and a full stop, question or exclamation mark
 * at the end.  A passphrase would have to be a punctuated English sentence
 * to pass for one.
 */
static int is_sentence(const unsigned char *v, size_t n)
{
	static const char *const small[] = {
		"a", "an", "the", "is", "are", "was", "be", "been", "has", "have", "not",
		"this", "that", "it", "your", "you", "to", "of", "for", "in", "on", "at",
		"with", "can", "will", "must", "please", "any", "no",
	};
	size_t i, j, k, w, words = 0, grammar = 0;

	if (n < 16 || !is_upper(v[0]) || !strchr(".!?", v[n - 1]))
		return 0;
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && v[j] != ' '; j++)
			if (!is_alnum(v[j]) && v[j] < 0x80 && (!v[j] || !strchr(".,;:!?'()-{}", v[j])))
				return 0;
		if (j == i)
			return 0;
		words++;
		for (w = j; w > i && !is_alnum(v[w - 1]); w--)
			;
		for (k = 0; k < ARRAY_SIZE(small); k++)
			if (ieq(v + i, w - i, small[k])) {
				grammar++;
				break;
			}
	}
	return words >= 5 && grammar >= 2;
}

static int check_password_field(const unsigned char *p, size_t n, const PCRE2_SIZE *ov,
				size_t *vs, size_t *ve)
{
	size_t ws = ov[2], we = ov[3], ks, i;
	int g;

	for (g = PF_JSON; g <= PF_LAST; g++)
		if (ov[2 * g] != PCRE2_UNSET)
			break;
	if (g > PF_LAST)
		return 0;
	*vs = ov[2 * g];
	*ve = ov[2 * g + 1];

	switch (g) {
	case PF_JSON:
		ks = quoted_key_start(p, ws, '"');
		break;
	case PF_SQ:
		ks = quoted_key_start(p, ws, '\'');
		break;
	case PF_ESC:
		ks = quoted_key_start(p, ws, '"');
		if (ks != (size_t)-1 && (ks < 2 || p[ks - 2] != '\\'))
			ks = (size_t)-1;
		break;
	case PF_YAML_DQ:
	case PF_YAML_SQ:
	case PF_YAML:
		/* At the start of a line, after the indentation and a "- ",
		 * or in a flow mapping or a JavaScript object literal
		 * ("auth: { user: u, pass: p }"), where a plain value ends
		 * at the first delimiter. */
		ks = bare_key_start(p, ws);
		i = back_blanks(p, ks);
		if (i > 0 && (p[i - 1] == '{' || p[i - 1] == ','))
			break;
		if (i > 0 && p[i - 1] == '-' && i < ks)
			i = back_blanks(p, i - 1);
		if (!line_start(p, i)) {
			ks = (size_t)-1;
		} else if (g == PF_YAML) {
			*ve = line_value_end(p, n, *vs);
			/* "password: x," is a JavaScript object literal: keep
			 * its comma. */
			if (*ve - *vs > 1 && p[*ve - 1] == ',')
				(*ve)--;
		}
		break;
	case PF_EQ_DQ:
	case PF_EQ_SQ:
	case PF_EQ:
		/* On a line of its own (after "export " or a YAML "- "), an
		 * unquoted value runs to the end of the line; inside a quoted
		 * string ("--password=a b", "PASSWORD=a b" in a list of
		 * environment strings) to the closing quote or a ';' or '&';
		 * elsewhere it is one token. */
		ks = bare_key_start(p, ws);
		i = back_blanks(p, ks);
		if (i >= 6 && i < ks && !memcmp(p + i - 6, "export", 6))
			i = back_blanks(p, i - 6);
		else if (i > 0 && p[i - 1] == '-' && i < ks)
			i = back_blanks(p, i - 1);
		if (line_start(p, i)) {
			if (g == PF_EQ)
				*ve = line_value_end(p, n, *vs);
		} else if (!p[ks - 1] || !strchr(" \t;&?,(\"'{[$:", p[ks - 1])) {
			ks = (size_t)-1;
		} else if (g == PF_EQ && (p[ks - 1] == '"' || p[ks - 1] == '\'')) {
			for (i = *vs; i < n && p[i] != p[ks - 1] && !strchr(";&\r\n", p[i]); i++)
				;
			*ve = i;
		}
		break;
	default: /* PF_XML: <key>value</key> */
		ks = ws;
		while (ks > 0 && ws - ks < 256 && (key_char(p[ks - 1]) || p[ks - 1] == ':'))
			ks--;
		if (ks == 0 || p[ks - 1] != '<' || *ve + 3 + (we - ks) > n ||
		    memcmp(p + *ve + 2, p + ks, we - ks) || p[*ve + 2 + (we - ks)] != '>')
			ks = (size_t)-1;
		break;
	}
	if (ks == (size_t)-1 || !key_ends_with_word(p, ks, ws, we))
		return 0;

	if (is_placeholder(p + *vs, *ve - *vs) || is_label(p + *vs, *ve - *vs, p + ws, we - ws) ||
	    (ws > ks && is_sentence(p + *vs, *ve - *vs)))
		return 0;
	/* Leave PEM blocks to private-key, which names them better. */
	if (*ve - *vs > 11 && !memcmp(p + *vs, "-----BEGIN ", 11))
		return 0;
	/* "pass" is also a pass of a process ("min_pass: 3"): its numbers are
	 * counts, not PINs. */
	if (ieq(p + ws, we - ws, "pass") && all_of(p + *vs, *ve - *vs, "0123456789"))
		return 0;
	if ((iprefix(p + ws, we - ws, "pwd") || iprefix(p + ws, we - ws, "cred") ||
	     iprefix(p + ws, we - ws, "private")) && is_path(p + *vs, *ve - *vs))
		return 0;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* url-credentials: scheme://user:password@host, also with JSON's "\/". */

static const char url_credentials_re[] =
	"(?<=[A-Za-z0-9]):(?://|\\\\/\\\\/)([^\\s:/?#@\"'<>\\\\]*+):([^\\s/?#\"'<>\\\\]+)@"
	"(?=[A-Za-z0-9\\[])";

static int check_url_credentials(const unsigned char *p, size_t n, const PCRE2_SIZE *ov,
				 size_t *vs, size_t *ve)
{
	(void)n;
	*vs = ov[4];
	*ve = ov[5];
	return !is_placeholder(p + *vs, *ve - *vs);
}

/* ---------------------------------------------------------------------- */
/* private-key: the whole armoured block.  Its body must hold a real run of
 * base64, so that a how-to showing "-----BEGIN ... -----END" with "..." in
 * between stays readable. */

static int check_private_key(const unsigned char *p, size_t n, const PCRE2_SIZE *ov,
			     size_t *vs, size_t *ve)
{
	size_t i, run = 0;

	(void)n;
	*vs = ov[0];
	*ve = ov[1];
	for (i = *vs; i < *ve; i++) {
		if (is_alnum(p[i]) || p[i] == '+' || p[i] == '/') {
			if (++run >= 40)
				return 1;
		} else {
			run = 0;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The built-in rules, in priority order. */

const char *const sbx_secret_builtin_names[] = {
	"private-key",
	"aws-access-key-id",
	"aws-secret-key",
	"github-token",
	"gitlab-token",
	"slack-token",
	"stripe-key",
	"google-api-key",
	"jwt",
	"password-field",
	"url-credentials",
	NULL,
};

struct builtin {
	const char *pattern;
	uint32_t options;
	check_fn check;
};

/* Token rules refuse to start inside a longer run of the token's own
 * characters.  The AWS and Google prefixes contain nothing but base64
 * letters, so they also refuse to start right after a '+' or '/': inside a
 * base64 blob (a data: URI image) they would otherwise turn up by chance. */
static const struct builtin builtins[] = {
	{ /* private-key */
		"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
		/* The body up to the END line: anything without a quote
		 * (the end of a JSON string) or five dashes, taken
		 * possessively, so that a BEGIN without an END costs a look
		 * as far as the next armour line, and no JIT stack. */
		"(?:(?:[^\"-]++|-(?!----))*+-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
		/* No END line (a truncated paste): the body's lines. */
		"|(?:(?:[ \\t]|\\r?\\n|\\\\r|\\\\n)++"
		"(?:[A-Za-z0-9+/]{16,}+=*+|[A-Za-z-]++: [^\\r\\n\\\\\"]*+)"
		"(?=[ \\t\\r\\n\"]|\\\\[rn]|$))++)",
		0, check_private_key },
	{ /* aws-access-key-id */
		"(?<![A-Za-z0-9+/])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])",
		0, NULL },
	{ /* aws-secret-key: 40 characters after a key that says AWS and secret */
		"(?<![A-Za-z0-9])"
		"(?i:aws[a-z0-9_.-]{0,24}?secret[a-z0-9_.-]{0,24}?|secret[_.-]?access[_.-]?key)"
		"[\"']?[ \\t]*+(?::|=>?)[ \\t]*+[\"']?"
		"\\K[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
		0, NULL },
	{ /* github-token */
		"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})"
		"(?![A-Za-z0-9_])",
		0, NULL },
	{ /* gitlab-token */
		"(?<![A-Za-z0-9_-])gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_-]{20,}+",
		0, NULL },
	{ /* slack-token: tokens (with a digit, so "xoxb-your-token-here" is
	   * not one) and incoming webhook URLs */
		"(?<![A-Za-z0-9])xox[abposre]-(?=[A-Za-z-]{0,16}+[0-9])[A-Za-z0-9-]{10,}+"
		"|https?:(?://|\\\\/\\\\/)hooks\\.slack\\.com(?:\\\\?/)services(?:\\\\?/)"
		"T[A-Za-z0-9_]{4,}+(?:\\\\?/)B[A-Za-z0-9_]{4,}+(?:\\\\?/)[A-Za-z0-9_]{8,}+",
		0, NULL },
	{ /* stripe-key: secret and restricted keys, webhook signing secrets */
		"(?<![A-Za-z0-9_])(?:[rs]k_(?:live|test)_[A-Za-z0-9]{16,}+|whsec_[A-Za-z0-9]{24,}+)",
		0, NULL },
	{ /* google-api-key */
		"(?<![A-Za-z0-9_+/-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])",
		0, NULL },
	{ /* jwt */
		"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}+\\.eyJ[A-Za-z0-9_-]{8,}+\\.[A-Za-z0-9_-]{8,}+",
		0, NULL },
	{ /* password-field */
		password_field_re, PCRE2_MULTILINE, check_password_field },
	{ /* url-credentials */
		url_credentials_re, 0, check_url_credentials },
};

_Static_assert(ARRAY_SIZE(builtins) + 1 == ARRAY_SIZE(sbx_secret_builtin_names),
	       "one name per built-in rule");

/* ---------------------------------------------------------------------- */

static int valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!is_lower((unsigned char)name[i]) && !is_digit((unsigned char)name[i]) &&
		    name[i] != '-')
			return 0;
	return i > 0 && i <= NAME_MAX_LEN;
}

/* Compiles PATTERN into R.  A failure is SBX_ESYNTAX for a policy's rule
 * and SBX_EFAIL (a bug) for a built-in. */
static int compile_rule(struct sbx_secrets *s, struct rule *r, const char *name,
			const char *pattern, uint32_t options, check_fn check, int custom,
			struct sbx_err *err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	PCRE2_SPTR first, last, e;
	uint32_t ngroups = 0, esize = 0;
	int ecode, rc;

	r->name = sbx_xstrdup(name);
	r->check = check;
	r->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			      options | PCRE2_NEVER_UTF | PCRE2_DUPNAMES, &ecode, &eoff, NULL);
	if (!r->re) {
		pcre2_get_error_message(ecode, msg, sizeof msg);
		return sbx_err_set(err, custom ? SBX_ESYNTAX : SBX_EFAIL,
				   "secret rule \"%s\": bad pattern at offset %zu: %s",
				   name, (size_t)eoff, (const char *)msg);
	}
	/* Without JIT support (or memory for it) pcre2_match runs the same
	 * pattern in the interpreter, only slower. */
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);

	pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	if (ngroups + 1 > s->pairs)
		s->pairs = ngroups + 1;
	rc = pcre2_substring_nametable_scan(r->re, (PCRE2_SPTR)"value", &first, &last);
	if (rc >= 0) {
		pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
		r->nvalue_groups = (size_t)(last - first) / esize + 1;
		r->value_groups = sbx_xcalloc(r->nvalue_groups, sizeof *r->value_groups);
		r->nvalue_groups = 0;
		for (e = first; e <= last; e += esize)
			r->value_groups[r->nvalue_groups++] = (uint32_t)(e[0] << 8 | e[1]);
	}
	return 0;
}

int sbx_secrets_new(int builtin, const struct sbx_secret_rule_def *custom, size_t n,
		    struct sbx_secrets **out, struct sbx_err *err)
{
	struct sbx_secrets *s;
	size_t i, j, nb = builtin ? ARRAY_SIZE(builtins) : 0;
	int rc = 0;

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (!custom[i].name || !custom[i].pattern)
			return sbx_err_set(err, SBX_EINVAL, "secret rule %zu: no name or no pattern", i + 1);
		if (!valid_name(custom[i].name))
			return sbx_err_set(err, SBX_ESYNTAX,
					   "secret rule \"%.64s\": a name is 1 to %d characters of [a-z0-9-]",
					   custom[i].name, NAME_MAX_LEN);
		for (j = 0; j < nb; j++)
			if (!strcmp(custom[i].name, sbx_secret_builtin_names[j]))
				return sbx_err_set(err, SBX_ESYNTAX,
						   "secret rule \"%s\": the name of a built-in rule",
						   custom[i].name);
		for (j = 0; j < i; j++)
			if (!strcmp(custom[i].name, custom[j].name))
				return sbx_err_set(err, SBX_ESYNTAX,
						   "secret rule \"%s\": defined twice", custom[i].name);
	}

	s = sbx_xcalloc(1, sizeof *s);
	s->rules = sbx_xcalloc(nb + n, sizeof *s->rules);
	s->pairs = 1;
	for (i = 0; i < nb; i++, s->nrules++) {
		rc = compile_rule(s, &s->rules[s->nrules], sbx_secret_builtin_names[i],
				  builtins[i].pattern, builtins[i].options, builtins[i].check, 0, err);
		if (rc)
			goto out;
	}
	for (i = 0; i < n; i++, s->nrules++) {
		rc = compile_rule(s, &s->rules[s->nrules], custom[i].name, custom[i].pattern,
				  PCRE2_MULTILINE, NULL, 1, err);
		if (rc)
			goto out;
	}
out:
	if (rc) {
		s->nrules++; /* the rule that failed holds its name */
		sbx_secrets_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sbx_secrets_free(struct sbx_secrets *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nrules; i++) {
		pcre2_code_free(s->rules[i].re);
		free(s->rules[i].value_groups);
		free(s->rules[i].name);
	}
	free(s->rules);
	free(s);
}

/* ---------------------------------------------------------------------- */
/* Scanning */

struct cand {
	size_t start, end; /* the value */
	int live;          /* 0 once the rule has no more matches */
};

struct scan {
	const struct sbx_secrets *s;
	const unsigned char *p;
	size_t n;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js; /* NULL until a match needs more than 32 KiB */
};

/* The JIT's own stack is 32 KiB on the machine stack, which the built-in
 * rules never exceed; a policy's pattern that backtracks a lot may.  Then
 * the match runs again with a stack of its own, grown up to this size. */
#define JIT_STACK_MAX (16 * 1024 * 1024)

/* Finds rule R's first accepted match at or after FROM into *C. */
static int next_match(struct scan *sc, size_t r, size_t from, struct cand *c, struct sbx_err *err)
{
	const struct rule *rule = &sc->s->rules[r];
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE *ov;
	size_t vs, ve, i;
	int rc, ok;

	while (from <= sc->n) {
		rc = pcre2_match(rule->re, sc->p, sc->n, from, 0, sc->md, sc->mc);
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !sc->js) {
			sc->js = pcre2_jit_stack_create(64 * 1024, JIT_STACK_MAX, NULL);
			if (!sc->js)
				return sbx_err_set(err, SBX_ENOMEM, "cannot allocate a PCRE2 JIT stack");
			pcre2_jit_stack_assign(sc->mc, NULL, sc->js);
			continue;
		}
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			pcre2_get_error_message(rc, msg, sizeof msg);
			return sbx_err_set(err, SBX_EFAIL, "secret rule \"%s\": match failed at byte %zu: %s",
					   rule->name, from, (const char *)msg);
		}
		ov = pcre2_get_ovector_pointer(sc->md);
		if (rule->check) {
			ok = rule->check(sc->p, sc->n, ov, &vs, &ve);
		} else {
			vs = ov[0];
			ve = ov[1];
			for (i = 0; i < rule->nvalue_groups; i++)
				if (ov[2 * rule->value_groups[i]] != PCRE2_UNSET) {
					vs = ov[2 * rule->value_groups[i]];
					ve = ov[2 * rule->value_groups[i] + 1];
					break;
				}
			ok = 1;
		}
		if (ok && ve > vs && vs >= from) {
			c->start = vs;
			c->end = ve;
			c->live = 1;
			return 0;
		}
		/* Rejected or empty: look again one byte further on. */
		from = (ov[0] > from ? ov[0] : from) + 1;
	}
	c->live = 0;
	return 0;
}

int sbx_secrets_scan(const struct sbx_secrets *s, const void *buf, size_t n,
		     int (*fn)(const struct sbx_secret_hit *h, void *ctx), void *ctx,
		     struct sbx_err *err)
{
	struct scan sc = { s, buf, n, NULL, NULL, NULL };
	struct cand *c = NULL;
	struct sbx_secret_hit hit;
	size_t r, best, pos;
	int rc = 0;

	if (n == 0 || s->nrules == 0)
		return 0;
	sc.md = pcre2_match_data_create(s->pairs, NULL);
	sc.mc = pcre2_match_context_create(NULL);
	if (!sc.md || !sc.mc) {
		rc = sbx_err_set(err, SBX_ENOMEM, "cannot allocate PCRE2 match data");
		goto out;
	}
	c = sbx_xcalloc(s->nrules, sizeof *c);
	for (r = 0; r < s->nrules; r++) {
		rc = next_match(&sc, r, 0, &c[r], err);
		if (rc)
			goto out;
	}
	for (;;) {
		best = s->nrules;
		for (r = 0; r < s->nrules; r++) {
			if (!c[r].live)
				continue;
			if (best == s->nrules || c[r].start < c[best].start ||
			    (c[r].start == c[best].start && c[r].end > c[best].end))
				best = r;
		}
		if (best == s->nrules)
			break;
		hit.start = c[best].start;
		hit.end = c[best].end;
		hit.rule = s->rules[best].name;
		rc = fn(&hit, ctx);
		if (rc)
			goto out;
		pos = hit.end;
		for (r = 0; r < s->nrules; r++) {
			if (c[r].live && c[r].start < pos) {
				rc = next_match(&sc, r, pos, &c[r], err);
				if (rc)
					goto out;
			}
		}
	}
out:
	free(c);
	pcre2_jit_stack_free(sc.js);
	pcre2_match_context_free(sc.mc);
	pcre2_match_data_free(sc.md);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Redaction */

struct hits {
	struct sbx_secret_hit *v;
	size_t n, cap;
};

static int collect(const struct sbx_secret_hit *h, void *ctx)
{
	struct hits *hs = ctx;

	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? hs->cap * 2 : 16;
		hs->v = sbx_xrealloc(hs->v, hs->cap * sizeof *hs->v);
	}
	hs->v[hs->n++] = *h;
	return 0;
}

long sbx_secrets_redact(const struct sbx_secrets *s, const void *buf, size_t n,
			struct sbx_buf *out, void (*count)(const char *rule, void *ctx),
			void *ctx, struct sbx_err *err)
{
	const unsigned char *p = buf;
	struct hits hs = { NULL, 0, 0 };
	size_t i, pos = 0;
	long rc;

	/* Hits first, output after: a failed scan leaves OUT untouched and
	 * COUNT uncalled. */
	rc = sbx_secrets_scan(s, buf, n, collect, &hs, err);
	if (rc)
		goto out;
	sbx_buf_grow(out, n);
	for (i = 0; i < hs.n; i++) {
		sbx_buf_add(out, p + pos, hs.v[i].start - pos);
		sbx_buf_addf(out, "${SECRET:%s}", hs.v[i].rule);
		pos = hs.v[i].end;
		if (count)
			count(hs.v[i].rule, ctx);
	}
	/* Even when empty: sbx_buf_add leaves OUT NUL-terminated. */
	sbx_buf_add(out, n > pos ? p + pos : p, n - pos);
	rc = (long)hs.n;
out:
	free(hs.v);
	return rc;
}
