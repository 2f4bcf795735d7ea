import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redactor } from './redactor.js';

/** Built-in detectors, end to end through the trigger: [input, expected output]. */
const m = (rule: string): string => `[REDACTED:${rule}]`;

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const GHP = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
const GCP = 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI';

const CASES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  'private-key': [
    [
      'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbc=\n-----END RSA PRIVATE KEY-----\nafter',
      `key:\n${m('private-key')}\nafter`,
    ],
    ['cat <<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkt', `cat <<EOF\n${m('private-key')}`],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQ\n-----END PGP PRIVATE KEY BLOCK-----', m('private-key')],
  ],
  jwt: [[`see ${JWT} in the log`, `see ${m('jwt')} in the log`]],
  'github-token': [
    [`git push https://${GHP}@github.com/o/r`, `git push https://${m('github-token')}@github.com/o/r`],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', m('github-token')],
  ],
  'gitlab-token': [['glpat-abcdefghij0123456789', m('gitlab-token')]],
  'slack-token': [
    ['xoxb-123456789012-abcdefghij', m('slack-token')],
    ['post xoxp-1-2-3-abcdef0123 now', `post ${m('slack-token')} now`],
  ],
  'aws-access-key-id': [
    ['export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', `export AWS_ACCESS_KEY_ID=${m('aws-access-key-id')}`],
    ['ASIAY34FZKBOKMUTVV7A', m('aws-access-key-id')],
  ],
  'gcp-api-key': [
    [
      `https://maps.googleapis.com/api?address=x&key=${GCP}`,
      `https://maps.googleapis.com/api?address=x&key=${m('gcp-api-key')}`,
    ],
  ],
  'bearer-token': [
    ['Authorization: Bearer abc123def456', `Authorization: Bearer ${m('bearer-token')}`],
    ['got bearer abcdefgh12345678 back', `got bearer ${m('bearer-token')} back`],
    [
      'curl -H "Authorization: Bearer abcdefgh1234" https://u:pw@api/v1',
      `curl -H "Authorization: Bearer ${m('bearer-token')}" https://u:${m('url-credentials')}@api/v1`,
    ],
  ],
  'url-credentials': [
    ['curl https://user:pw@host/x', `curl https://user:${m('url-credentials')}@host/x`],
    [
      'postgres://app:s3cr3t@db:5432/app?sslmode=require',
      `postgres://app:${m('url-credentials')}@db:5432/app?sslmode=require`,
    ],
    ['mongodb+srv://u:p@ss@cluster0/db', `mongodb+srv://u:${m('url-credentials')}@cluster0/db`],
    ['redis://:pw@cache:6379/0', `redis://:${m('url-credentials')}@cache:6379/0`],
  ],
  'secret-flag': [
    ['mysql -uroot -psecret db', `mysql -uroot -p${m('secret-flag')} db`],
    [`sh -c 'mysql --password="a b" db'`, `sh -c 'mysql --password="${m('secret-flag')}" db'`],
    ['vault login --token s.abc123 --method=token', `vault login --token ${m('secret-flag')} --method=token`],
  ],
  'secret-field': [
    ['Authorization: Basic dXNlcjpwYXNz', `Authorization: Basic ${m('secret-field')}`],
    ['X-Api-Key: abc123', `X-Api-Key: ${m('secret-field')}`],
    [`curl -H 'X-Api-Key: k1' -d @f https://api`, `curl -H 'X-Api-Key: ${m('secret-field')}' -d @f https://api`],
    ['{"user":"bob","password":"s3cr\\"et"}', `{"user":"bob","password":"${m('secret-field')}"}`],
    ["{'api_key': 'abc'}", `{'api_key': '${m('secret-field')}'}`],
    ['{"token": 12345, "n": 1}', `{"token": ${m('secret-field')}, "n": 1}`],
    ['password: hunter2', `password: ${m('secret-field')}`],
    [
      '{"type": "service_account", "private_key_id": "abc1", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n", "client_email": "a@b.iam.gserviceaccount.com"}',
      `{"type": "service_account", "private_key_id": "abc1", "private_key": "${m('secret-field')}", "client_email": "a@b.iam.gserviceaccount.com"}`,
    ],
  ],
  'secret-assignment': [
    ['PASSWORD=x foo', `PASSWORD=${m('secret-assignment')} foo`],
    [
      'env DB_PASSWORD=hunter2 GITHUB_TOKEN=t1 app',
      `env DB_PASSWORD=${m('secret-assignment')} GITHUB_TOKEN=${m('secret-assignment')} app`,
    ],
    ["export PGPASSWORD='a b c'", `export PGPASSWORD='${m('secret-assignment')}'`],
    [
      'MYSQL_PWD=x REDISCLI_AUTH=y STRIPE_API_KEY=sk_1',
      `MYSQL_PWD=${m('secret-assignment')} REDISCLI_AUTH=${m('secret-assignment')} STRIPE_API_KEY=${m('secret-assignment')}`,
    ],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      `aws_secret_access_key = ${m('secret-assignment')}`,
    ],
    [
      'Server=db;User Id=sa;Password=p@ss w0rd;Encrypt=true',
      `Server=db;User Id=sa;Password=${m('secret-assignment')};Encrypt=true`,
    ],
    ['Password=p w;Server=db', `Password=${m('secret-assignment')};Server=db`],
    ['Driver={ODBC 18};Uid=u;Pwd={a;b};', `Driver={ODBC 18};Uid=u;Pwd={${m('secret-assignment')}};`],
    [
      'jdbc:mysql://db/app?user=app&password=s3cr3t&ssl=true',
      `jdbc:mysql://db/app?user=app&password=${m('secret-assignment')}&ssl=true`,
    ],
    [
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc+d/e==;EndpointSuffix=core.windows.net',
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${m('secret-assignment')};EndpointSuffix=core.windows.net`,
    ],
    [
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=k1=',
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${m('secret-assignment')}`,
    ],
    [
      'https://acct.blob.core.windows.net/c/b?sv=2021-08-06&ss=b&sig=AbC%2Bd%3D&se=2030',
      `https://acct.blob.core.windows.net/c/b?sv=2021-08-06&ss=b&sig=${m('secret-assignment')}&se=2030`,
    ],
  ],
};

/** Texts that look close to a secret and must come back unchanged, as the same string. */
const UNTOUCHED: readonly string[] = [
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
  'eyJhbGciOiJIUzI1NiJ9 alone',
  'ghp_short github_pat_x glpat-short xoxz-1234567890ab xox-1',
  'AKIAIOSFODNN7EXAMPLE1 akiaiosfodnn7example AIzaShort',
  'the bearer of bad news',
  'git clone https://github.com/org/repo',
  'ssh://git@github.com/org/repo https://x-access-token@github.com http://host:8080/x@y',
  'ssh -p 22 host; mkdir -p /tmp/x; python -m http.server -p 8080',
  'mysql -p mydb',
  'PWD=/home/user OLDPWD=/tmp SSH_AUTH_SOCK=/tmp/ssh-x/agent.1',
  'PASSWORD_FILE=/run/secrets/db TOKENIZERS_PARALLELISM=false MONKEY=1 KEYBOARD=us',
  'Enter password: ',
  'passwords: none',
  'user:password@host',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  '/etc/ssh/ssh_host_ed25519_key.pub',
  'Content-Type: application/json',
  'app --no-password db --password-file /run/x --key ./client.pem',
];

describe('built-in detectors', () => {
  const redactor = new Redactor();

  for (const [rule, cases] of Object.entries(CASES)) {
    it(`${rule} finds its secrets`, () => {
      for (const [input, expected] of cases) assert.equal(redactor.redactString(input), expected, input);
    });
  }

  it('leave near misses unchanged', () => {
    for (const input of UNTOUCHED) assert.equal(redactor.redactString(input), input, input);
  });

  it('count what they found', () => {
    const fresh = new Redactor();
    for (const [rule, cases] of Object.entries(CASES)) {
      const before = fresh.counts().get(rule) ?? 0;
      for (const [input] of cases) fresh.redactString(input);
      const expected = cases.reduce((n, [, out]) => n + out.split(m(rule)).length - 1, 0);
      assert.equal((fresh.counts().get(rule) ?? 0) - before, expected, rule);
    }
  });
});
