import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RedactorConfig } from './config.js';
import { RedactConfigError } from './errors.js';
import { Redactor } from './redactor.js';

const KEY = 'a-key-of-32-bytes-for-the-tests!';
const m = (rule: string): string => `[REDACTED:${rule}]`;
const hmac = (secret: string, key = KEY): string =>
  `[HMAC:${createHmac('sha256', key).update(secret).digest('hex').slice(0, 16)}]`;

describe('Redactor.redactString', () => {
  it('returns the very same string when there is nothing to redact', () => {
    const redactor = new Redactor();
    // Built at run time so identity, not string interning, is what is compared.
    for (const text of ['/usr/bin/ls', '/etc/ssh/ssh_host_rsa_key', 'a=b c=d', '']) {
      const input = [...text].join('');
      assert.equal(Object.is(redactor.redactString(input), input), true, text);
    }
  });
});

describe('Redactor.redactArgv', () => {
  const redactor = new Redactor();
  const argv = (program: string, ...args: string[]): readonly string[] | null => redactor.redactArgv(program, args);

  it('redacts password options of the listed programs', () => {
    assert.deepEqual(argv('/usr/bin/mysql', 'mysql', '-uroot', '-psecret', 'db'), [
      'mysql',
      '-uroot',
      `-p${m('secret-flag')}`,
      'db',
    ]);
    assert.deepEqual(argv('/usr/bin/mariadb', 'mysql', '-pX'), ['mysql', `-p${m('secret-flag')}`]);
    assert.deepEqual(argv('/usr/bin/sshpass', 'sshpass', '-p', 'pw', 'ssh', 'h'), [
      'sshpass',
      '-p',
      m('secret-flag'),
      'ssh',
      'h',
    ]);
    assert.deepEqual(argv('/usr/bin/redis-cli', 'redis-cli', '-a', 'pw', 'ping'), [
      'redis-cli',
      '-a',
      m('secret-flag'),
      'ping',
    ]);
    assert.deepEqual(argv('/usr/bin/curl', 'curl', '-u', 'bob:pw', 'https://x'), [
      'curl',
      '-u',
      `bob:${m('secret-flag')}`,
      'https://x',
    ]);
    assert.deepEqual(argv('/usr/bin/sudo', 'sudo', 'mysql', '-pfoo'), ['sudo', 'mysql', `-p${m('secret-flag')}`]);
  });

  it('leaves -p alone elsewhere, and mysql -p followed by a database', () => {
    for (const args of [
      ['ssh', '-p', '22', 'host'],
      ['python', '-m', 'http.server', '-p', '8080'],
      ['mkdir', '-p', '/tmp/x'],
      ['mysql', '-p', 'mydb'],
    ]) {
      const program = `/usr/bin/${args[0] ?? ''}`;
      assert.equal(redactor.redactArgv(program, args), args, args.join(' '));
    }
  });

  it('redacts long secret options of any program, case-insensitively', () => {
    assert.deepEqual(
      argv(
        '/opt/app',
        'app',
        '--password',
        'a',
        '--api-key=b',
        '--PASSWD',
        'c',
        '--client-secret',
        'd',
        '--apikey',
        'e',
      ),
      [
        'app',
        '--password',
        m('secret-flag'),
        `--api-key=${m('secret-flag')}`,
        '--PASSWD',
        m('secret-flag'),
        '--client-secret',
        m('secret-flag'),
        '--apikey',
        m('secret-flag'),
      ],
    );
    assert.deepEqual(argv('/opt/app', 'app', '--token', 't', '--secret=s', '--access-key', 'k', '--pass', 'p'), [
      'app',
      '--token',
      m('secret-flag'),
      `--secret=${m('secret-flag')}`,
      '--access-key',
      m('secret-flag'),
      '--pass',
      m('secret-flag'),
    ]);
    assert.deepEqual(argv('/usr/bin/java', 'java', '-Djavax.net.ssl.keyStorePassword=x', '-jar', 'a.jar'), [
      'java',
      `-Djavax.net.ssl.keyStorePassword=${m('secret-flag')}`,
      '-jar',
      'a.jar',
    ]);
  });

  it('redacts assignments and shell text inside arguments', () => {
    assert.deepEqual(argv('/usr/bin/env', 'env', 'DB_PASSWORD=x', 'app'), [
      'env',
      `DB_PASSWORD=${m('secret-assignment')}`,
      'app',
    ]);
    assert.deepEqual(argv('/bin/sh', 'sh', '-c', 'PASSWORD=x foo; mysql -pbar'), [
      'sh',
      '-c',
      `PASSWORD=${m('secret-assignment')} foo; mysql -p${m('secret-flag')}`,
    ]);
    assert.deepEqual(argv('/usr/bin/curl', 'curl', '-H', 'Authorization: Bearer abcdefgh1234', 'https://u:p@h/'), [
      'curl',
      '-H',
      `Authorization: Bearer ${m('bearer-token')}`,
      `https://u:${m('url-credentials')}@h/`,
    ]);
  });

  it('returns the same array when nothing is found, a copy otherwise', () => {
    const clean = ['ls', '-la', '/tmp'];
    assert.equal(redactor.redactArgv('/usr/bin/ls', clean), clean);
    const dirty = ['app', '--token', 't'];
    const out = redactor.redactArgv('/opt/app', dirty);
    assert.notEqual(out, dirty);
    assert.deepEqual(dirty, ['app', '--token', 't']);
  });
});

describe('Redactor.redactValue', () => {
  const redactor = new Redactor();

  it('masks values under secret keys and scans the rest', () => {
    const value = { user: 'bob', password: 'x', nested: { api_key: 42, list: ['AKIAIOSFODNN7EXAMPLE', 'ok'] }, n: 1 };
    assert.deepEqual(redactor.redactValue(value), {
      user: 'bob',
      password: m('secret-field'),
      nested: { api_key: m('secret-field'), list: [m('aws-access-key-id'), 'ok'] },
      n: 1,
    });
  });

  it('returns the same object when nothing is found', () => {
    const value = { cwd: '/home/bob', argv: ['ls', '-la'], pid: 4, tty: true };
    assert.equal(redactor.redactValue(value), value);
  });
});

describe('actions', () => {
  it('hashes with the key: stable, keyed, and alike for one secret found by two rules', () => {
    const a = new Redactor({ action: 'hash', hashKey: KEY });
    const b = new Redactor({ action: 'hash', hashKey: KEY });
    const other = new Redactor({ action: 'hash', hashKey: `${KEY}-other` });
    assert.equal(a.redactString('PASSWORD=hunter2'), `PASSWORD=${hmac('hunter2')}`);
    assert.equal(b.redactString('PASSWORD=hunter2'), a.redactString('PASSWORD=hunter2'));
    assert.equal(other.redactString('PASSWORD=hunter2'), `PASSWORD=${hmac('hunter2', `${KEY}-other`)}`);
    assert.notEqual(other.redactString('PASSWORD=hunter2'), a.redactString('PASSWORD=hunter2'));
    assert.deepEqual(a.redactArgv('/usr/bin/mysql', ['mysql', '-phunter2']), ['mysql', `-p${hmac('hunter2')}`]);
  });

  it('honours hashLength', () => {
    const r = new Redactor({ action: 'hash', hashKey: KEY, hashLength: 32 });
    const full = createHmac('sha256', KEY).update('hunter2').digest('hex');
    assert.equal(r.redactString('PASSWORD=hunter2'), `PASSWORD=[HMAC:${full.slice(0, 32)}]`);
  });

  it('mixes actions per rule', () => {
    const r = new Redactor({ hashKey: KEY, ruleActions: { 'url-credentials': 'hash' } });
    assert.equal(
      r.redactString('https://u:pw@h/ PASSWORD=x'),
      `https://u:${hmac('pw')}@h/ PASSWORD=${m('secret-assignment')}`,
    );
  });

  it('drops: null for the field, counted, other fields untouched', () => {
    const r = new Redactor({ ruleActions: { 'aws-access-key-id': 'drop' } });
    assert.equal(r.redactString('id AKIAIOSFODNN7EXAMPLE'), null);
    assert.equal(r.redactArgv('/usr/bin/aws', ['aws', '--profile', 'AKIAIOSFODNN7EXAMPLE']), null);
    assert.equal(r.redactValue({ a: ['x', 'AKIAIOSFODNN7EXAMPLE'] }), null);
    assert.equal(r.counts().get('aws-access-key-id'), 3);
    assert.equal(r.redactString('PASSWORD=x'), `PASSWORD=${m('secret-assignment')}`);
  });

  it('drops when a dropping match overlaps one that starts earlier', () => {
    const r = new Redactor({ rules: [{ name: 'word', pattern: 'secret', action: 'drop' }] });
    assert.equal(r.redactString('PASSWORD=mysecret'), null);
    assert.equal(r.counts().get('word'), 1);
    assert.equal(r.counts().get('secret-assignment'), 0);
  });

  it('switches built-in rules off', () => {
    const r = new Redactor({ disabledRules: ['jwt'] });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';
    assert.equal(r.redactString(jwt), jwt);
    assert.equal(r.counts().has('jwt'), false);
  });
});

describe('user rules', () => {
  it('mask the whole match or the chosen group, with their own action', () => {
    const r = new Redactor({
      hashKey: KEY,
      rules: [
        { name: 'acme-key', pattern: 'acme_[0-9a-f]{8}' },
        { name: 'session', pattern: 'session=(\\w+)', group: 1, flags: 'i' },
        { name: 'pin', pattern: 'pin (?<pin>\\d{4})', group: 'pin', action: 'hash' },
      ],
    });
    assert.equal(r.redactString('use acme_deadbeef now'), `use ${m('acme-key')} now`);
    assert.equal(r.redactString('SESSION=abc; x'), `SESSION=${m('session')}; x`);
    assert.equal(r.redactString('pin 1234'), `pin ${hmac('1234')}`);
    assert.equal(r.redactString('nothing here'), 'nothing here');
    assert.equal(r.counts().get('acme-key'), 1);
  });

  const rejects = (config: RedactorConfig, code: string, field: string, words: RegExp): void => {
    assert.throws(
      () => new Redactor(config),
      (err: unknown) =>
        err instanceof RedactConfigError && err.code === code && err.field === field && words.test(err.message),
    );
  };

  it('are validated, naming the rule and field', () => {
    rejects(
      {
        rules: [
          { name: 'ok', pattern: 'x' },
          { name: 'broken', pattern: 'a(b' },
        ],
      },
      'BAD_RULE_PATTERN',
      'rules[1].pattern',
      /rule "broken": invalid regular expression/,
    );
    rejects(
      { rules: [{ name: 'empty', pattern: 'a*' }] },
      'BAD_RULE_PATTERN',
      'rules[0].pattern',
      /matches the empty string/,
    );
    rejects(
      { rules: [{ name: 'g', pattern: '(a)', group: 2 }] },
      'BAD_RULE_GROUP',
      'rules[0].group',
      /group 2 does not exist/,
    );
    rejects(
      { rules: [{ name: 'g', pattern: '(?<x>a)', group: 'y' }] },
      'BAD_RULE_GROUP',
      'rules[0].group',
      /no group named "y"/,
    );
    rejects({ rules: [{ name: 'f', pattern: 'a', flags: 'gx' }] }, 'BAD_RULE_FLAGS', 'rules[0].flags', /flags/);
    rejects({ rules: [{ name: 'jwt', pattern: 'a' }] }, 'DUPLICATE_RULE', 'rules[0].name', /already defined/);
    rejects({ rules: [{ name: 'a b', pattern: 'a' }] }, 'BAD_RULE_NAME', 'rules[0].name', /letters, digits/);
  });
});

describe('configuration', () => {
  const rejects = (config: RedactorConfig, code: string, field: string): void => {
    assert.throws(
      () => new Redactor(config),
      (err: unknown) => err instanceof RedactConfigError && err.code === code && err.field === field,
    );
  };

  it('rejects unknown rules, bad actions and hashing without a key', () => {
    rejects({ ruleActions: { 'no-such': 'mask' } }, 'UNKNOWN_RULE', 'ruleActions.no-such');
    rejects({ disabledRules: ['no-such'] }, 'UNKNOWN_RULE', 'disabledRules');
    rejects({ action: 'shred' as 'mask' }, 'BAD_ACTION', 'action');
    rejects({ ruleActions: { jwt: 'shred' as 'mask' } }, 'BAD_ACTION', 'ruleActions.jwt');
    rejects({ ruleActions: { jwt: 'hash' } }, 'MISSING_HASH_KEY', 'hashKey');
    rejects({ hashKey: 'short' }, 'WEAK_HASH_KEY', 'hashKey');
  });

  it('lets programFlags add a program', () => {
    const r = new Redactor({ programFlags: { vault: [{ flag: '-t', value: 'separate' }] } });
    assert.deepEqual(r.redactArgv('/usr/bin/vault', ['vault', '-t', 's.abc']), ['vault', '-t', m('secret-flag')]);
  });
});

describe('counts', () => {
  it('start at zero for every rule and add one per redaction', () => {
    const r = new Redactor({ rules: [{ name: 'mine', pattern: 'zz9' }] });
    assert.equal(r.counts().get('jwt'), 0);
    assert.equal(r.counts().get('mine'), 0);
    r.redactString('PASSWORD=a TOKEN=b zz9');
    r.redactArgv('/usr/bin/mysql', ['mysql', '-pc']);
    assert.equal(r.counts().get('secret-assignment'), 2);
    assert.equal(r.counts().get('secret-flag'), 1);
    assert.equal(r.counts().get('mine'), 1);
  });
});

describe('hostile input', () => {
  it('stays linear on long repetitive text', () => {
    const r = new Redactor();
    const n = 100_000;
    const inputs = [
      'a'.repeat(n),
      '-eyJa'.repeat(n / 5),
      'a='.repeat(n / 2),
      'key='.repeat(n / 4),
      'pass: '.repeat(n / 6),
      "'".repeat(n),
      `mysql ${'"'.repeat(n)}`,
      'x://'.repeat(n / 4),
      `${'x://a'.repeat(n / 5)}@`,
      'a://b:c'.repeat(n / 7),
      '-----BEGIN PRIVATE KEY-----'.repeat(n / 27),
      `${'-'.repeat(n)}password`,
      ` -p${' -'.repeat(n / 2)}`,
      'bearer '.repeat(n / 7),
      'ghp_'.repeat(n / 4),
    ];
    for (const input of inputs) {
      const start = performance.now();
      r.redactString(input);
      r.redactArgv('/usr/bin/mysql', ['mysql', input]);
      const ms = performance.now() - start;
      // Linear work is a few ms here; a quadratic pattern on 100k characters takes minutes.
      assert.ok(ms < 2000, `${JSON.stringify(input.slice(0, 20))}... took ${ms.toFixed(0)} ms`);
    }
  });
});
