/*
 * Unit tests for secret detection (policies/secrets.c).
 *
 * The token-shaped samples are written as adjacent string literals ("gh"
 * "p_...") so that this file itself does not look like a leaked secret to
 * the scanners that guard repositories; the AWS samples are the example
 * keys of AWS's own documentation.
 *
 * SBX_TEST_DATA names the tests/data folder (default: "tests/data", from
 * the top of the source tree); the false-positive corpus is its
 * fp-corpus/ folder.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "policies/secrets.h"

#define MIB ((size_t)1024 * 1024)

#define PEM_BODY \
	"UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkpr\n" \
	"JIoekk6P0K4uGpSSozBfGIy2EJAPnjR/rohtxlB3lex0XEw/yy6yxz4Uk0yGfuBX\n" \
	"unJJm/oSHoNrKsFXJu59awr2qxPDjpLK4NFQV7FZmH+UzHQR1xfxRXmyqhAPu7NP\n" \
	"pZP+rtJySLdi46tYBfB2WiucHX4PN8RJIb0/ZWTq338UKnJmjEfiI9Fu3YxHtGr8\n" \
	"ZGVmZBp7omYPMBH8NXApHFeZDRoAkSaJGfJdnQYS3zWdYCaiQPRYml15Hx3ZfP76\n"
#define PEM_BODY_JSON \
	"UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkpr\\n" \
	"JIoekk6P0K4uGpSSozBfGIy2EJAPnjR/rohtxlB3lex0XEw/yy6yxz4Uk0yGfuBX\\n" \
	"ZGVmZBp7omYPMBH8NXApHFeZDRoAkSaJGfJdnQYS3zWdYCaiQPRYml15Hx3ZfP76\\n"

#define AWS_ID "AKIA" "IOSFODNN7EXAMPLE"
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/" "bPxRfiCYEXAMPLEKEY"
#define GH_TOKEN "gh" "p_" "pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H"
#define GH_PAT "github" "_pat_" \
	"yVaQXekW9LctXb03rEMU64yTY6BzUZKC97i4xgciFnq9RBXO2tAG1yKwILALo5vR67b2rMQSkS3u9I5KKg"
#define GL_TOKEN "gl" "pat-" "BIKpi99lSi0tcL21pffW"
#define SLACK_BOT "xo" "xb-" "2741937364-5821983711237-TLvJ47rGpctaegMIc8mAsNqj"
#define SLACK_HOOK "https://hooks.slack.com/services/" "T024BE7LD/B01MQ3C9ZJ2/" \
	"TLvJ47rGpctaegMIc8mAsNqj"
#define STRIPE_KEY "sk" "_live_" "51HqLyjWDarjtT1zdp7dc" "TLvJ47rGpctaegMI"
#define GOOGLE_KEY "AI" "za" "Sc3vux9i53yyD3HyP3MRJgN8ZGrBOUTp7tB"
#define JWT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" "." \
	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ" "." \
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

static struct sbx_secrets *builtin;

static int setup(void **state)
{
	struct sbx_err err = { 0 };

	(void)state;
	if (sbx_secrets_new(1, NULL, 0, &builtin, &err)) {
		fprintf(stderr, "sbx_secrets_new: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sbx_secrets_free(builtin);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Helpers */

struct found {
	size_t n;
	struct sbx_secret_hit h[64];
};

static int collect(const struct sbx_secret_hit *h, void *ctx)
{
	struct found *f = ctx;

	if (f->n < 64)
		f->h[f->n] = *h;
	f->n++;
	return 0;
}

static void scan_n(const struct sbx_secrets *s, const void *p, size_t n, struct found *f)
{
	struct sbx_err err = { 0 };

	memset(f, 0, sizeof *f);
	assert_int_equal(sbx_secrets_scan(s, p, n, collect, f, &err), 0);
	assert_int_equal(err.code, 0);
}

static void print_hits(const char *text, const struct found *f)
{
	size_t i;

	for (i = 0; i < f->n && i < 64; i++)
		print_message("  hit %zu: %s [%zu,%zu) \"%.*s\"\n", i, f->h[i].rule,
			      f->h[i].start, f->h[i].end,
			      (int)(f->h[i].end - f->h[i].start), text + f->h[i].start);
}

/* Asserts that TEXT holds exactly one secret: VALUE (which occurs once in
 * TEXT), found by RULE. */
static void expect_one(const struct sbx_secrets *s, const char *text, const char *value,
		       const char *rule)
{
	const char *at = strstr(text, value);
	struct found f;

	assert_non_null(at);
	assert_null(strstr(at + 1, value));
	scan_n(s, text, strlen(text), &f);
	if (f.n != 1 || f.h[0].start != (size_t)(at - text) ||
	    f.h[0].end != (size_t)(at - text) + strlen(value) || strcmp(f.h[0].rule, rule)) {
		print_message("in: %s\nwant %s [%zu,%zu) \"%s\", got %zu hit(s):\n", text, rule,
			      (size_t)(at - text), (size_t)(at - text) + strlen(value), value, f.n);
		print_hits(text, &f);
		fail();
	}
}

static void expect_none(const struct sbx_secrets *s, const char *text)
{
	struct found f;

	scan_n(s, text, strlen(text), &f);
	if (f.n) {
		print_message("expected no secret in: %s\n", text);
		print_hits(text, &f);
		fail();
	}
}

static void count_rule(const char *rule, void *ctx)
{
	struct found *f = ctx;

	if (f->n < 64)
		f->h[f->n].rule = rule;
	f->n++;
}

static void expect_redacted(const char *in, const char *want, long nwant)
{
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct found counted = { 0 }, again;
	long n;

	n = sbx_secrets_redact(builtin, in, strlen(in), &out, count_rule, &counted, &err);
	if (n != nwant || strcmp(out.data, want)) {
		print_message("redact: %s\n  got (%ld): %s\n want (%ld): %s\n", in, n,
			      out.data ? out.data : "(null)", nwant, want);
		fail();
	}
	assert_int_equal(counted.n, (size_t)nwant);
	/* The output is clean for the hardening gate's second pass. */
	scan_n(builtin, out.data, out.len, &again);
	if (again.n) {
		print_hits(out.data, &again);
		fail_msg("redacted output still has %zu hit(s)", again.n);
	}
	sbx_buf_release(&out);
}

/* ---------------------------------------------------------------------- */
/* The rules, one by one */

static void test_builtin_names(void **state)
{
	static const char *const want[] = {
		"private-key", "aws-access-key-id", "aws-secret-key", "github-token",
		"gitlab-token", "slack-token", "stripe-key", "google-api-key", "jwt",
		"password-field", "url-credentials",
	};
	size_t i;

	(void)state;
	for (i = 0; sbx_secret_builtin_names[i]; i++) {
		assert_true(i < sizeof want / sizeof want[0]);
		assert_string_equal(sbx_secret_builtin_names[i], want[i]);
	}
	assert_int_equal(i, sizeof want / sizeof want[0]);
}

static void test_private_key(void **state)
{
	const char *pem = "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "-----END RSA PRIVATE KEY-----";
	const char *json_pem = "-----BEGIN PRIVATE KEY-----\\n" PEM_BODY_JSON "-----END PRIVATE KEY-----";
	char text[2048];

	(void)state;
	/* A .pem / .key file. */
	snprintf(text, sizeof text, "%s\n", pem);
	expect_one(builtin, text, pem, "private-key");
	/* In a JSON string, newlines escaped, under a key that says nothing. */
	snprintf(text, sizeof text, "{\"tls\": {\"cert\": \"cert.pem\", \"key\": \"%s\\n\"}}", json_pem);
	expect_one(builtin, text, json_pem, "private-key");
	/* Under "private_key" it is still reported as a private key. */
	snprintf(text, sizeof text, "{\"private_key\": \"%s\\n\", \"client_email\": \"a@b.invalid\"}",
		 json_pem);
	expect_one(builtin, text, json_pem, "private-key");
	/* A YAML block scalar. */
	expect_one(builtin,
		   "ssh:\n  host_key: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    "
		   "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		   "    QyNTUxOQAAACDx9kVHx2GdNsZJsmm7cEiMuw3W4CF1TiV02wyM3s3OzgAAAJgq5Nk0KuTZ\n"
		   "    -----END OPENSSH PRIVATE KEY-----\n  port: 22\n",
		   "-----BEGIN OPENSSH PRIVATE KEY-----\n    "
		   "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		   "    QyNTUxOQAAACDx9kVHx2GdNsZJsmm7cEiMuw3W4CF1TiV02wyM3s3OzgAAAJgq5Nk0KuTZ\n"
		   "    -----END OPENSSH PRIVATE KEY-----",
		   "private-key");
	/* PGP's armour says BLOCK. */
	expect_one(builtin,
		   "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" PEM_BODY "=ab12\n"
		   "-----END PGP PRIVATE KEY BLOCK-----\n",
		   "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" PEM_BODY "=ab12\n"
		   "-----END PGP PRIVATE KEY BLOCK-----",
		   "private-key");
	/* A truncated paste without its END line is still caught, body and
	 * all, up to the end of its last line of base64. */
	{
		const char *cut = "key = \"\"\"\n-----BEGIN EC PRIVATE KEY-----\n" PEM_BODY "\"\"\"\n";
		const char *begin = strstr(cut, "-----BEGIN");
		const char *last = strstr(cut, "fP76\n") + 4;
		struct found f;

		scan_n(builtin, cut, strlen(cut), &f);
		assert_int_equal(f.n, 1);
		assert_string_equal(f.h[0].rule, "private-key");
		assert_int_equal(f.h[0].start, (size_t)(begin - cut));
		assert_int_equal(f.h[0].end, (size_t)(last - cut));
	}
}

static void test_aws_access_key_id(void **state)
{
	(void)state;
	expect_one(builtin, "AWS_ACCESS_KEY_ID=" AWS_ID "\nAWS_REGION=eu-west-1\n", AWS_ID,
		   "aws-access-key-id");
	expect_one(builtin, "{\"aws\": {\"access_key_id\": \"" AWS_ID "\"}}", AWS_ID,
		   "aws-access-key-id");
	expect_one(builtin, "s3:\n  access_key_id: " AWS_ID "\n  bucket: exports\n", AWS_ID,
		   "aws-access-key-id");
	expect_one(builtin, "https://s3.amazonaws.com/b/o?X-Amz-Credential=" "ASIA" "Y34FZKBOKMUTVV7A"
		   "%2F20240101%2Fus-east-1", "ASIA" "Y34FZKBOKMUTVV7A", "aws-access-key-id");
	/* Inside a longer run of letters, or of base64, it is something else. */
	expect_none(builtin, "{\"ref\": \"X" AWS_ID "Z\"}");
	expect_none(builtin, "{\"ref\": \"X" AWS_ID "\"}");
	expect_none(builtin, "{\"ref\": \"" AWS_ID "Z\"}");
	expect_none(builtin, "data:image/png;base64,iVBORw0KGgo+" AWS_ID "/Aw==");
}

static void test_aws_secret_key(void **state)
{
	(void)state;
	expect_one(builtin, "[default]\nregion = eu-west-1\n"
		   "aws_secret_access_key = " AWS_SECRET "\n", AWS_SECRET, "aws-secret-key");
	expect_one(builtin, "{\"env\": {\"AWS_SECRET_ACCESS_KEY\": \"" AWS_SECRET "\"}}",
		   AWS_SECRET, "aws-secret-key");
	expect_one(builtin, "credentials:\n  secretAccessKey: " AWS_SECRET "\n", AWS_SECRET,
		   "aws-secret-key");
	expect_one(builtin, "AWS_SECRET=\"" AWS_SECRET "\"\n", AWS_SECRET, "aws-secret-key");
	/* Forty base64 characters under another key are not an AWS key. */
	expect_none(builtin, "{\"etag_base64\": \"" AWS_SECRET "\"}");
}

static void test_github_token(void **state)
{
	(void)state;
	expect_one(builtin, "GITHUB_TOKEN_FOR_CI=" GH_TOKEN "\n", GH_TOKEN, "github-token");
	expect_one(builtin, "{\"integrations\": [{\"kind\": \"github\", \"auth\": \"" GH_PAT "\"}]}",
		   GH_PAT, "github-token");
	/* Under a token key the specific rule names it. */
	expect_one(builtin, "github:\n  token: " GH_TOKEN "\n", GH_TOKEN, "github-token");
}

static void test_gitlab_token(void **state)
{
	(void)state;
	expect_one(builtin, "gitlab:\n  url: https://gitlab.example.invalid\n  pat: " GL_TOKEN "\n",
		   GL_TOKEN, "gitlab-token");
	expect_one(builtin, "{\"gitlab_pat\": \"" GL_TOKEN "\"}", GL_TOKEN, "gitlab-token");
}

static void test_slack_token(void **state)
{
	(void)state;
	expect_one(builtin, "SLACK_BOT=" SLACK_BOT "\n", SLACK_BOT, "slack-token");
	expect_one(builtin, "{\"notify\": {\"slack_webhook\": \"" SLACK_HOOK "\"}}", SLACK_HOOK,
		   "slack-token");
	/* PHP's json_encode escapes the slashes. */
	expect_one(builtin, "{\"hook\": \"https:\\/\\/hooks.slack.com\\/services\\/T024BE7LD\\/B01MQ3C9ZJ2\\/"
		   "TLvJ47rGpctaegMIc8mAsNqj\"}",
		   "https:\\/\\/hooks.slack.com\\/services\\/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",
		   "slack-token");
	expect_one(builtin, "alerts:\n  webhook: " SLACK_HOOK "\n", SLACK_HOOK, "slack-token");
}

static void test_stripe_key(void **state)
{
	(void)state;
	expect_one(builtin, "STRIPE_KEY=" STRIPE_KEY "\n", STRIPE_KEY, "stripe-key");
	expect_one(builtin, "{\"billing\": {\"stripe\": \"rk" "_test_" "4eC39HqLyjWDarjtT1zdp7dc\"}}",
		   "rk" "_test_" "4eC39HqLyjWDarjtT1zdp7dc", "stripe-key");
	/* Publishable keys are public by design. */
	expect_none(builtin, "{\"stripe_publishable\": \"pk" "_live_" "51HqLyjWDarjtT1zdp7dcTLvJ47rG\"}");
}

static void test_google_api_key(void **state)
{
	(void)state;
	expect_one(builtin, "{\"maps\": {\"key\": \"" GOOGLE_KEY "\"}}", GOOGLE_KEY, "google-api-key");
	expect_one(builtin, "maps:\n  browser_key: " GOOGLE_KEY "\n", GOOGLE_KEY, "google-api-key");
	expect_one(builtin, "GOOGLE_MAPS=" GOOGLE_KEY "\n", GOOGLE_KEY, "google-api-key");
	expect_none(builtin, "{\"blob\": \"Qm9v+" GOOGLE_KEY "\", \"ref\": \"x" GOOGLE_KEY "\"}");
}

static void test_jwt(void **state)
{
	(void)state;
	expect_one(builtin, "headers:\n  Authorization: Bearer " JWT "\n", JWT, "jwt");
	expect_one(builtin, "{\"session\": {\"id_token\": \"" JWT "\"}}", JWT, "jwt");
	expect_one(builtin, "SERVICE_JWT=" JWT "\n", JWT, "jwt");
}

static void test_password_field_json(void **state)
{
	(void)state;
	expect_one(builtin, "{\"smtp\": {\"host\": \"mail\", \"password\": \"hunter2!\"}}", "hunter2!",
		   "password-field");
	expect_one(builtin, "{\"a\": [{\"b\": {\"db\": {\"Password\": \"Tr0ub4dor&3\"}}}]}",
		   "Tr0ub4dor&3", "password-field");
	expect_one(builtin, "{\"oauth\": {\"client_id\": \"support-app\", \"client_secret\": \"9f8e7d6c\"}}",
		   "9f8e7d6c", "password-field");
	expect_one(builtin, "{\"zendesk\": {\"apiToken\": \"Zx9vQ2\"}}", "Zx9vQ2", "password-field");
	expect_one(builtin, "{\"x\": {\"refresh_token\": \"r-1-abc\"}}", "r-1-abc", "password-field");
	expect_one(builtin, "{\"SMTP Password\": \"correct horse\"}", "correct horse", "password-field");
	expect_one(builtin, "{\"gpg\": {\"passphrase\": \"with \\\"quotes\\\" in\"}}",
		   "with \\\"quotes\\\" in", "password-field");
	expect_one(builtin, "{\"store\": {\"credentials\": \"admin:admin\"}}", "admin:admin",
		   "password-field");
	/* Passphrases: words and spaces are no reason to let a value go, even
	 * when they make a sentence under a key that is just the word. */
	expect_one(builtin, "{\"ssh\": {\"passphrase\": \"correct horse battery staple\"}}",
		   "correct horse battery staple", "password-field");
	expect_one(builtin, "{\"smtp_password\": \"Correct horse battery staple!\"}",
		   "Correct horse battery staple!", "password-field");
	expect_one(builtin, "{\"password\": \"This is not the password you want.\"}",
		   "This is not the password you want.", "password-field");
	/* JSON inside a JSON string, as exports keep settings blobs. */
	expect_one(builtin, "{\"settings\": \"{\\\"smtp_pwd\\\": \\\"s3cret\\\"}\"}", "s3cret",
		   "password-field");
	/* Python / PHP configs. */
	expect_one(builtin, "DATABASES = {'default': {'PASSWORD': 'dj4ng0'}}", "dj4ng0",
		   "password-field");
	expect_one(builtin, "'password' => 'l4r4v3l',", "l4r4v3l", "password-field");
}

static void test_password_field_env(void **state)
{
	(void)state;
	expect_one(builtin, "DB_HOST=db\nDB_PASSWORD=s3cr3t\n", "s3cr3t", "password-field");
	expect_one(builtin, "export API_KEY=\"abc123def\"\n", "abc123def", "password-field");
	expect_one(builtin, "SESSION_SECRET='x y z'\n", "x y z", "password-field");
	expect_one(builtin, "SMTP_PASSWORD=p#ss w0rd # rotated 2024-01\n", "p#ss w0rd", "password-field");
	expect_one(builtin, "PGPASSWORD=pgpass\r\n", "pgpass", "password-field");
	expect_one(builtin, "spring.datasource.password=jdbcpw\n", "jdbcpw", "password-field");
	expect_one(builtin, "[mail]\npassword = ini-pass\n", "ini-pass", "password-field");
	expect_one(builtin, "{\"dsn\": \"Server=db;User Id=sa;Password=Str0ng!;\"}", "Str0ng!",
		   "password-field");
	expect_one(builtin, "callback: https://example.invalid/cb?access_token=at123&state=1\n",
		   "at123", "password-field");
	expect_one(builtin, "<Resource name=\"jdbc/app\" password=\"tomcat-pw\"/>", "tomcat-pw",
		   "password-field");
	expect_one(builtin, "<settings><server><password>mvn-pw</password></server></settings>",
		   "mvn-pw", "password-field");
	expect_one(builtin, "//registry.npmjs.org/:_authToken=npm-tok-123\n", "npm-tok-123",
		   "password-field");
	/* docker-compose environment lists, command lines in JSON. */
	expect_one(builtin, "    environment:\n      - POSTGRES_PASSWORD=example pw\n", "example pw",
		   "password-field");
	expect_one(builtin, "    environment:\n      - \"SMTP_PASSWORD=quoted pw\"\n", "quoted pw",
		   "password-field");
	expect_one(builtin, "{\"args\": [\"--db-password=abc def\", \"--port=1\"]}", "abc def",
		   "password-field");
}

static void test_password_field_yaml(void **state)
{
	(void)state;
	expect_one(builtin, "smtp:\n  user: support\n  password: 'p@ss w0rd'\n", "p@ss w0rd",
		   "password-field");
	expect_one(builtin, "db:\n  password: \"dq\\\"pw\"\n", "dq\\\"pw", "password-field");
	expect_one(builtin, "db:\n  password: plainpw   # set by ops\n", "plainpw", "password-field");
	expect_one(builtin, "auth:\n  - name: zendesk\n    api_key: k-123\n", "k-123", "password-field");
	expect_one(builtin, "mail:\n  auth_token: 12345678\n", "12345678", "password-field");
	expect_one(builtin, "module.exports = {\n  password: 'js-pw',\n};\n", "js-pw",
		   "password-field");
	expect_one(builtin, "const smtp = {\n  user: 'bot',\n  pass: hunter2,\n};\n", "hunter2",
		   "password-field");
	/* Flow mappings and one-line object literals. */
	expect_one(builtin, "db: {host: h, password: pw1, port: 5432}\n", "pw1", "password-field");
	expect_one(builtin, "transport({ auth: { user: \"bot\", pass: \"nm-pw\" } });\n", "nm-pw",
		   "password-field");
	expect_one(builtin, "db.password: props-pw\n", "props-pw", "password-field");
}

static void test_url_credentials(void **state)
{
	(void)state;
	expect_one(builtin, "DATABASE_URL=postgres://app:S3cret@db.internal:5432/app\n", "S3cret",
		   "url-credentials");
	expect_one(builtin, "{\"cache\": \"redis://:r3dis@cache:6379/0\"}", "r3dis", "url-credentials");
	expect_one(builtin, "amqp:\n  url: amqps://svc:p@ss:w0rd@mq.internal/vhost\n", "p@ss:w0rd",
		   "url-credentials");
	expect_one(builtin, "{\"feed\": \"https:\\/\\/bot:f33d@feeds.example.invalid\\/x\"}", "f33d",
		   "url-credentials");
}

/* ---------------------------------------------------------------------- */
/* Precision */

static void test_negatives(void **state)
{
	static const char *const texts[] = {
		/* Empty, placeholder, unset, masked, label values. */
		"{\"password\": \"\"}",
		"{\"smtp\": {\"password\": \"${SMTP_PASSWORD}\"}}",
		"{\"password\": \"${SECRET:password-field}\"}",
		"{\"password\": null, \"token\": true, \"secret\": false}",
		"{\"password\": \"null\"}",
		"db:\n  password: ~\n  token: false\n  secret: \"{{ vault_db_secret }}\"\n",
		"PASSWORD=\nAPI_TOKEN=$CI_TOKEN\nexport SECRET=${SECRET}\n",
		"{\"password\": \"********\"}",
		"{\"login\": {\"password\": \"Password\", \"new_password\": \"New password\","
		" \"forgot_password\": \"Forgot your password?\"}}",
		"module.exports = { password: process.env.DB_PASSWORD };\n",
		/* Translation bundles: labels and sentences under compound keys. */
		"{\"errors\": {\"invalid_token\": \"This link is not valid any more.\","
		" \"api_token\": \"API token\"}}",
		"export API_TOKEN=<your token>\n",
		/* The secret word is not the last word of the key. */
		"{\"password_min_length\": 12, \"password_min_length_s\": \"12\"}",
		"TOKEN_TTL=3600\nPASSWORD_MIN_LENGTH=12\nLOG_LEVEL=info\n",
		"token_ttl: 3600\nsecret_santa_enabled: true\n",
		"{\"secret_santa_enabled\": \"yes\", \"tokenizer\": \"standard\"}",
		"{\"token_type\": \"Bearer\", \"password_reset_url\": \"https://x.invalid/reset\"}",
		"password_policy:\n  min_length: 12\n  require_symbols: true\n",
		"password_policy.min_length=12\n",
		/* The word is not a word of the key. */
		"{\"mytoken\": \"abc\", \"bypass\": \"all\"}",
		/* Not key/value pairs. */
		"{\"type\": \"password\", \"masked_fields\": [\"password\", \"token\", \"secret\"]}",
		"fields: [password, token]\n- password\n",
		"<input type=\"password\" name=\"password\">",
		"if password == confirm:\n    pass\n",
		/* Not secrets, or not secrets any more. */
		"{\"next_page_token\": \"CAUQAA\", \"nextPageToken\": \"CAoQAA\"}",
		"db:\n  existingSecret: helpdesk-db\n",
		"GOOGLE_APPLICATION_CREDENTIALS=/etc/gcp/service-account.json\nPWD=/srv/app\n",
		"tls:\n  private_key: /etc/ssl/private/help.key\n",
		"{\"aws_secret_access_key\": \"${AWS_SECRET_ACCESS_KEY}\"}",
		"{\"stripe_publishable\": \"pk" "_live_" "51HqLyjWDarjtT1zdp7dcTLvJ47rG\"}",
		"SLACK_BOT=xo" "xb-your-token-here\n",
		/* URLs without a password, or with a placeholder. */
		"https://user@host.example.invalid/x\n",
		"http://host:8080/path?email=a@b.invalid\n",
		"git@github.com:org/repo.git ssh://git@github.com/org/repo.git\n",
		"postgres://app:${DB_PASSWORD}@db/app\n",
		/* Documentation and public material. */
		"The key file starts with -----BEGIN RSA PRIVATE KEY-----\n...\n"
		"-----END RSA PRIVATE KEY----- and must not be shared.\n",
		"-----BEGIN CERTIFICATE-----\n" PEM_BODY "-----END CERTIFICATE-----\n",
		/* Random-looking but ordinary. */
		"{\"id\": \"3f2b8c1e-9d4a-4f6b-8e2a-7c5d1b0a9e34\", \"ticket_id\": 48213377}",
		"{\"sha256\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
		" \"commit\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\"}",
		"{\"slug\": \"kq3x9zv7w2m8\", \"etag\": \"W/\\\"5f1a-Qm9vaG9vZGllcyBhcmUgYXdlc29tZQ\\\"\"}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		expect_none(builtin, texts[i]);
}

/* An image in a data: URI: a PNG header and 32 KiB of random base64 (the
 * corpus's branding.json holds a real PNG). */
static void test_base64_image(void **state)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct sbx_buf doc = SBX_BUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct found f;
	size_t i;

	(void)state;
	sbx_buf_adds(&doc, "{\"brand\": {\"logo\": \"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA");
	for (i = 0; i < 32 * 1024; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sbx_buf_addc(&doc, b64[x & 63]);
	}
	sbx_buf_adds(&doc, "==\"}}");
	scan_n(builtin, doc.data, doc.len, &f);
	if (f.n)
		print_hits(doc.data, &f);
	assert_int_equal(f.n, 0);
	sbx_buf_release(&doc);
}

/* ---------------------------------------------------------------------- */
/* Redaction */

static void test_redact(void **state)
{
	(void)state;
	expect_redacted("{\"smtp\": {\"password\": \"hunter2!\"}}",
			"{\"smtp\": {\"password\": \"${SECRET:password-field}\"}}", 1);
	expect_redacted("DB_HOST=db\nDB_PASSWORD=s3cr3t # rotated\n",
			"DB_HOST=db\nDB_PASSWORD=${SECRET:password-field} # rotated\n", 1);
	expect_redacted("smtp:\n  user: support\n  password: 'p@ss w0rd'\n",
			"smtp:\n  user: support\n  password: '${SECRET:password-field}'\n", 1);
	expect_redacted("DATABASE_URL=postgres://app:S3cret@db.internal:5432/app\n",
			"DATABASE_URL=postgres://app:${SECRET:url-credentials}@db.internal:5432/app\n", 1);
	expect_redacted("{\"tls\": {\"key\": \"-----BEGIN PRIVATE KEY-----\\n" PEM_BODY_JSON
			"-----END PRIVATE KEY-----\\n\"}}",
			"{\"tls\": {\"key\": \"${SECRET:private-key}\\n\"}}", 1);
	expect_redacted("{\"aws\": {\"key\": \"" AWS_ID "\", \"aws_secret\": \"" AWS_SECRET "\"},"
			" \"slack\": \"" SLACK_HOOK "\", \"jwt\": \"" JWT "\"}",
			"{\"aws\": {\"key\": \"${SECRET:aws-access-key-id}\", "
			"\"aws_secret\": \"${SECRET:aws-secret-key}\"}, "
			"\"slack\": \"${SECRET:slack-token}\", \"jwt\": \"${SECRET:jwt}\"}", 4);
	expect_redacted("nothing: here\n", "nothing: here\n", 0);
	expect_redacted("", "", 0);
}

static void test_redact_counts(void **state)
{
	const char *in = "a: " GH_TOKEN "\nb: " GH_TOKEN "\npassword: x1\n";
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct found f = { 0 };

	(void)state;
	sbx_buf_adds(&out, "prefix|");
	assert_int_equal(sbx_secrets_redact(builtin, in, strlen(in), &out, count_rule, &f, &err), 3);
	assert_int_equal(f.n, 3);
	assert_string_equal(f.h[0].rule, "github-token");
	assert_string_equal(f.h[1].rule, "github-token");
	assert_string_equal(f.h[2].rule, "password-field");
	/* OUT is appended to. */
	assert_string_equal(out.data, "prefix|a: ${SECRET:github-token}\nb: ${SECRET:github-token}\n"
			    "password: ${SECRET:password-field}\n");
	sbx_buf_release(&out);
	/* COUNT may be NULL. */
	assert_int_equal(sbx_secrets_redact(builtin, in, strlen(in), &out, NULL, NULL, &err), 3);
	sbx_buf_release(&out);
	/* Nothing in, a NUL-terminated nothing out. */
	assert_int_equal(sbx_secrets_redact(builtin, NULL, 0, &out, NULL, NULL, &err), 0);
	assert_non_null(out.data);
	assert_string_equal(out.data, "");
	sbx_buf_release(&out);
}

/* ---------------------------------------------------------------------- */
/* Custom rules */

static void test_custom_rule(void **state)
{
	static const struct sbx_secret_rule_def defs[] = {
		{ "acme-key", "ACME-[0-9A-F]{32}" },
		{ "acme-session", "(?i)acme_session=(?<value>[0-9a-f]{16})\\b" },
	};
	const char *text = "vendor:\n  acme: ACME-0123456789ABCDEF0123456789ABCDEF\n"
			   "cookie: ACME_SESSION=00ff00ff00ff00ff; path=/\n";
	struct sbx_secrets *s;
	struct sbx_err err = { 0 };
	struct found f;

	(void)state;
	/* Custom rules alone. */
	assert_int_equal(sbx_secrets_new(0, defs, 2, &s, &err), 0);
	scan_n(s, text, strlen(text), &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.h[0].rule, "acme-key");
	assert_int_equal(f.h[0].start, (size_t)(strstr(text, "ACME-") - text));
	assert_int_equal(f.h[0].end - f.h[0].start, 37);
	/* Only the group named "value" is the secret. */
	assert_string_equal(f.h[1].rule, "acme-session");
	assert_int_equal(f.h[1].start, (size_t)(strstr(text, "00ff") - text));
	assert_int_equal(f.h[1].end - f.h[1].start, 16);
	/* No built-in fires without BUILTIN. */
	expect_none(s, "{\"password\": \"hunter2\", \"k\": \"" AWS_ID "\"}");
	sbx_secrets_free(s);

	/* With the built-ins. */
	assert_int_equal(sbx_secrets_new(1, defs, 1, &s, &err), 0);
	expect_one(s, "{\"acme\": \"ACME-0123456789ABCDEF0123456789ABCDEF\"}",
		   "ACME-0123456789ABCDEF0123456789ABCDEF", "acme-key");
	expect_one(s, "{\"password\": \"hunter2\"}", "hunter2", "password-field");
	sbx_secrets_free(s);

	/* No rules at all: nothing is found, nothing fails. */
	assert_int_equal(sbx_secrets_new(0, NULL, 0, &s, &err), 0);
	expect_none(s, "{\"password\": \"hunter2\"}");
	sbx_secrets_free(s);
}

static void test_custom_rule_errors(void **state)
{
	static char not_null;
	struct sbx_secret_rule_def bad = { "broken-rule", "ACME-([0-9A-F]{32}" };
	struct sbx_secrets *s = (void *)&not_null; /* *OUT is NULL on failure */
	struct sbx_err err = { 0 };

	(void)state;
	assert_int_equal(sbx_secrets_new(1, &bad, 1, &s, &err), SBX_ESYNTAX);
	assert_null(s);
	assert_int_equal(err.code, SBX_ESYNTAX);
	print_message("  %s\n", err.msg);
	assert_non_null(strstr(err.msg, "\"broken-rule\""));
	assert_non_null(strstr(err.msg, "offset 18"));
	assert_non_null(strstr(err.msg, "missing closing parenthesis"));

	sbx_err_clear(&err);
	bad.name = "Bad_Name";
	bad.pattern = "x";
	assert_int_equal(sbx_secrets_new(0, &bad, 1, &s, &err), SBX_ESYNTAX);
	assert_non_null(strstr(err.msg, "Bad_Name"));

	sbx_err_clear(&err);
	bad.name = "jwt";
	assert_int_equal(sbx_secrets_new(1, &bad, 1, &s, &err), SBX_ESYNTAX);
	assert_non_null(strstr(err.msg, "built-in"));

	sbx_err_clear(&err);
	{
		struct sbx_secret_rule_def twice[] = { { "a-b", "x" }, { "a-b", "y" } };

		assert_int_equal(sbx_secrets_new(0, twice, 2, &s, &err), SBX_ESYNTAX);
		assert_non_null(strstr(err.msg, "twice"));
	}

	sbx_err_clear(&err);
	bad.name = "nopattern";
	bad.pattern = NULL;
	assert_int_equal(sbx_secrets_new(0, &bad, 1, &s, &err), SBX_EINVAL);

	/* A NULL error is fine. */
	bad.pattern = "(";
	assert_int_equal(sbx_secrets_new(0, &bad, 1, &s, NULL), SBX_ESYNTAX);
}

/* A pattern that can match the empty string finds nothing and ends. */
static void test_custom_empty_match(void **state)
{
	static const struct sbx_secret_rule_def defs[] = { { "maybe", "x*" } };
	struct sbx_secrets *s;
	struct found f;

	(void)state;
	assert_int_equal(sbx_secrets_new(0, defs, 1, &s, NULL), 0);
	scan_n(s, "aaxxxbbx", 8, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.h[0].start, 2);
	assert_int_equal(f.h[0].end, 5);
	assert_int_equal(f.h[1].start, 7);
	sbx_secrets_free(s);
}

/* A policy's pattern that backtracks deeply gets a bigger JIT stack; one
 * that backtracks without end fails the scan rather than pass the buffer
 * as clean. */
static void test_custom_backtracking(void **state)
{
	static const struct sbx_secret_rule_def deep[] = { { "deep", "(?:a|b)*?c" } };
	static const struct sbx_secret_rule_def bad[] = { { "catastrophic", "(x+x+)+y" } };
	struct sbx_buf b = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_secrets *s;
	struct found f;
	size_t i;

	(void)state;
	for (i = 0; i < 200000; i++)
		sbx_buf_adds(&b, "ab");
	sbx_buf_adds(&b, "c");
	assert_int_equal(sbx_secrets_new(0, deep, 1, &s, NULL), 0);
	scan_n(s, b.data, b.len, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.h[0].start, 0);
	assert_int_equal(f.h[0].end, b.len);
	sbx_secrets_free(s);

	sbx_buf_reset(&b);
	for (i = 0; i < 40; i++)
		sbx_buf_addc(&b, 'x');
	sbx_buf_adds(&b, "zy"); /* a 'y' to get past PCRE2's quick rejection */
	assert_int_equal(sbx_secrets_new(0, bad, 1, &s, NULL), 0);
	assert_int_equal(sbx_secrets_scan(s, b.data, b.len, collect, &f, &err), SBX_EFAIL);
	print_message("  %s\n", err.msg);
	assert_non_null(strstr(err.msg, "\"catastrophic\""));
	sbx_secrets_free(s);
	sbx_buf_release(&b);
}

/* ---------------------------------------------------------------------- */
/* Scanning */

static void test_binary(void **state)
{
	static const char blob[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\xff\xfe\x80"
				   "\0key\0" AWS_ID "\0\x01\x02";
	const char *key = memmem(blob, sizeof blob - 1, AWS_ID, 20);
	struct found f;

	(void)state;
	assert_non_null(key);
	assert_non_null(memchr(blob, '\0', (size_t)(key - blob)));
	scan_n(builtin, blob, sizeof blob - 1, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.h[0].rule, "aws-access-key-id");
	assert_int_equal(f.h[0].start, (size_t)(key - blob));
	assert_int_equal(f.h[0].end, (size_t)(key - blob) + 20);
}

static void test_overlap(void **state)
{
	static const struct sbx_secret_rule_def defs[] = {
		{ "short-aws", "AKIA[0-9A-Z]{4}" },         /* same start, shorter */
		{ "kv-aws", "key=AKIA[0-9A-Z]+" },          /* starts earlier */
		{ "long-aws", "AKIA[0-9A-Z]{16}-[0-9]+" },  /* same start, longer */
	};
	struct sbx_secrets *s;

	(void)state;
	/* The JWT is also a token field's value: one hit, the specific rule. */
	expect_one(builtin, "{\"access_token\": \"" JWT "\"}", JWT, "jwt");
	/* The password field's value starts first and holds a token. */
	expect_one(builtin, "{\"password\": \"x " GH_TOKEN "\"}", "x " GH_TOKEN, "password-field");

	/* Same start: the longer value wins. */
	assert_int_equal(sbx_secrets_new(1, defs, 1, &s, NULL), 0);
	expect_one(s, "id: " AWS_ID "\n", AWS_ID, "aws-access-key-id");
	sbx_secrets_free(s);
	/* The earlier start wins, even when shorter rules start inside it. */
	assert_int_equal(sbx_secrets_new(1, defs, 2, &s, NULL), 0);
	expect_one(s, "key=" AWS_ID "\n", "key=" AWS_ID, "kv-aws");
	sbx_secrets_free(s);
	/* Same start: the longer value wins, whichever rule comes first. */
	assert_int_equal(sbx_secrets_new(1, defs + 2, 1, &s, NULL), 0);
	expect_one(s, "id: " AWS_ID "-42\n", AWS_ID "-42", "long-aws");
	expect_one(s, "id: " AWS_ID "\n", AWS_ID, "aws-access-key-id");
	sbx_secrets_free(s);
}

static int stop_at_first(const struct sbx_secret_hit *h, void *ctx)
{
	(void)h;
	(*(int *)ctx)++;
	return 42;
}

static void test_stop(void **state)
{
	const char *text = "a=" GH_TOKEN "\nb=" GH_TOKEN "\n";
	int calls = 0;

	(void)state;
	assert_int_equal(sbx_secrets_scan(builtin, text, strlen(text), stop_at_first, &calls, NULL), 42);
	assert_int_equal(calls, 1);
	/* Empty input. */
	assert_int_equal(sbx_secrets_scan(builtin, NULL, 0, stop_at_first, &calls, NULL), 0);
	assert_int_equal(calls, 1);
}

/* Hits come sorted and disjoint, across rules. */
static void test_order(void **state)
{
	const char *text = "{\"password\": \"pw1\", \"gh\": \"" GH_TOKEN "\", \"url\": "
			   "\"https://u:pw2@h.invalid\", \"aws\": \"" AWS_ID "\", \"jwt\": \"" JWT "\"}";
	struct found f;
	size_t i;

	(void)state;
	scan_n(builtin, text, strlen(text), &f);
	assert_int_equal(f.n, 5);
	for (i = 1; i < f.n; i++)
		assert_true(f.h[i - 1].end <= f.h[i].start);
	assert_string_equal(f.h[0].rule, "password-field");
	assert_string_equal(f.h[1].rule, "github-token");
	assert_string_equal(f.h[2].rule, "url-credentials");
	assert_string_equal(f.h[3].rule, "aws-access-key-id");
	assert_string_equal(f.h[4].rule, "jwt");
}

struct thread_arg {
	const char *text;
	size_t hits;
	int rc;
};

static void *scan_thread(void *p)
{
	struct thread_arg *a = p;
	struct found f;
	int i;

	for (i = 0; i < 200; i++) {
		memset(&f, 0, sizeof f);
		a->rc |= sbx_secrets_scan(builtin, a->text, strlen(a->text), collect, &f, NULL);
		a->hits += f.n;
	}
	return NULL;
}

static void test_threads(void **state)
{
	const char *text = "{\"password\": \"pw1\", \"gh\": \"" GH_TOKEN "\", \"aws\": \"" AWS_ID "\"}\n"
			   "SMTP_PASSWORD=x\nurl: https://u:p@h.invalid\n";
	struct thread_arg a[4];
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a[i].text = text;
		a[i].hits = 0;
		a[i].rc = 0;
		assert_int_equal(pthread_create(&t[i], NULL, scan_thread, &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].rc, 0);
		assert_int_equal(a[i].hits, 5 * 200);
	}
}

/* ---------------------------------------------------------------------- */
/* Throughput and false positives on ordinary configuration */

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void add_uuid(struct sbx_buf *b, uint64_t *x)
{
	uint64_t a = rnd(x), c = rnd(x);

	sbx_buf_addf(b, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		     (unsigned)a & 0xfff, (unsigned)(c >> 52), (unsigned long long)(c & 0xffffffffffffull));
}

static void add_hex(struct sbx_buf *b, uint64_t *x, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sbx_buf_addc(b, "0123456789abcdef"[rnd(x) & 15]);
}

/* Support-platform configuration as an export holds it: triggers,
 * automations, SLA policies and macros with ids, UUIDs, digests, slugs and
 * the settings whose names mention passwords and tokens without holding
 * any. */
static void ordinary_json(struct sbx_buf *b, size_t size)
{
	static const char *const fields[] = { "status", "priority", "group_id", "assignee_id", "via" };
	static const char *const values[] = { "open", "urgent", "pending", "solved", "email" };
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned long id = 360001000000ul;

	sbx_buf_adds(b, "{\"triggers\": [\n");
	while (b->len < size) {
		sbx_buf_addf(b, "  {\"id\": %lu, \"uuid\": \"", id++);
		add_uuid(b, &x);
		sbx_buf_addf(b, "\", \"title\": \"Notify group %lu on %s\", \"active\": true, "
			     "\"position\": %lu,\n   \"conditions\": {\"all\": [{\"field\": \"%s\", "
			     "\"operator\": \"is\", \"value\": \"%s\"}], \"any\": []},\n"
			     "   \"actions\": [{\"field\": \"notification_webhook\", \"value\": [\"",
			     id % 97, values[id % 5], id % 1000, fields[id % 5], values[(id / 5) % 5]);
		add_hex(b, &x, 24);
		sbx_buf_addf(b, "\", \"{\\\"ticket\\\": \\\"{{ticket.id}}\\\"}\"]}],\n"
			     "   \"raw_title\": \"{{dc.notify_%lu}}\", \"category_id\": \"%lu\", "
			     "\"created_at\": \"2024-%02lu-%02luT10:%02lu:00Z\",\n"
			     "   \"digest\": \"sha256:", id % 13, id * 7 % 100000, 1 + id % 12, 1 + id % 28,
			     id % 60);
		add_hex(b, &x, 64);
		sbx_buf_adds(b, "\", \"revision\": \"");
		add_hex(b, &x, 40);
		sbx_buf_addf(b, "\",\n   \"settings\": {\"token_ttl\": 3600, \"password_min_length\": 12, "
			     "\"secret_santa_enabled\": false, \"tokenizer\": \"standard\", "
			     "\"password_policy\": {\"min_length\": 12}, \"api_token_enabled\": true, "
			     "\"url\": \"https://support.example.invalid/api/v2/triggers/%lu.json\"}},\n", id);
	}
	sbx_buf_adds(b, "  {}\n]}\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_throughput(void **state)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct found f;
	double t0, dt;

	(void)state;
	ordinary_json(&b, 20 * MIB);
	t0 = now();
	scan_n(builtin, b.data, b.len, &f);
	dt = now() - t0;
	print_message("  scanned %.1f MB of ordinary JSON config in %.3f s: %.1f MB/s, %zu hit(s)\n",
		      (double)b.len / 1e6, dt, (double)b.len / 1e6 / dt, f.n);
	if (f.n)
		print_hits(b.data, &f);
	assert_int_equal(f.n, 0);
	sbx_buf_release(&b);
}

/* Hostile input: every pattern stays linear, however often the text repeats
 * the start of a secret that never completes.  Each case takes a few
 * milliseconds; a quadratic one would take minutes. */
static void test_pathological(void **state)
{
	static const char *const units[] = {
		"-----BEGIN RSA PRIVATE KEY-----\n",
		"password: a ",
		"mytoken=a password=",
		"\"password\": \"",
		("-xo" "xb-aaaaaaaaaaaa"),
		"a://b:c@",
		"AKIA",
		"aws_secret_access_key: ",
		"<password>",
		"-----BEGIN RSA PRIVATE KEY-----\n-a-a-a-a",
	};
	struct sbx_buf b = SBX_BUF_INIT;
	struct found f;
	double t0, dt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		sbx_buf_reset(&b);
		while (b.len < 2 * MIB)
			sbx_buf_adds(&b, units[i]);
		t0 = now();
		scan_n(builtin, b.data, b.len, &f);
		dt = now() - t0;
		print_message("  %-40.*s x %7zu: %7.3f s, %zu hit(s)\n",
			      (int)strcspn(units[i], "\n"), units[i], b.len / strlen(units[i]), dt, f.n);
		assert_true(dt < 10.0);
	}
	sbx_buf_release(&b);
}

static void test_fp_corpus(void **state)
{
	const char *data = getenv("SBX_TEST_DATA");
	char dir[4096], path[8192];
	struct sbx_buf content = SBX_BUF_INIT;
	struct dirent *de;
	struct stat st;
	struct found f;
	size_t files = 0, bytes = 0, hits = 0, got;
	FILE *fp;
	DIR *d;
	char chunk[65536];

	(void)state;
	snprintf(dir, sizeof dir, "%s/fp-corpus", data && *data ? data : "tests/data");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s (set SBX_TEST_DATA to the tests/data folder)", dir);
	while ((de = readdir(d))) {
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		fp = fopen(path, "rb");
		assert_non_null(fp);
		sbx_buf_reset(&content);
		while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
			sbx_buf_add(&content, chunk, got);
		fclose(fp);
		scan_n(builtin, content.data, content.len, &f);
		if (f.n) {
			print_message("  %s: %zu false positive(s)\n", de->d_name, f.n);
			print_hits(content.data, &f);
		}
		files++;
		bytes += content.len;
		hits += f.n;
	}
	closedir(d);
	sbx_buf_release(&content);
	print_message("  fp-corpus: %zu files, %zu bytes scanned, %zu hit(s)\n", files, bytes, hits);
	assert_true(files >= 10);
	assert_int_equal(hits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_names),
		cmocka_unit_test(test_private_key),
		cmocka_unit_test(test_aws_access_key_id),
		cmocka_unit_test(test_aws_secret_key),
		cmocka_unit_test(test_github_token),
		cmocka_unit_test(test_gitlab_token),
		cmocka_unit_test(test_slack_token),
		cmocka_unit_test(test_stripe_key),
		cmocka_unit_test(test_google_api_key),
		cmocka_unit_test(test_jwt),
		cmocka_unit_test(test_password_field_json),
		cmocka_unit_test(test_password_field_env),
		cmocka_unit_test(test_password_field_yaml),
		cmocka_unit_test(test_url_credentials),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_base64_image),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_counts),
		cmocka_unit_test(test_custom_rule),
		cmocka_unit_test(test_custom_rule_errors),
		cmocka_unit_test(test_custom_empty_match),
		cmocka_unit_test(test_custom_backtracking),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_pathological),
		cmocka_unit_test(test_fp_corpus),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
