import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_NAME_TRIGGERS, isSecretName } from './secret-names.js';

describe('isSecretName', () => {
  const secretKeys = [
    'PASSWORD',
    'password',
    'DB_PASSWORD',
    'PGPASSWORD',
    'MYSQL_PWD',
    'Pwd',
    'DB_PASS',
    'passwd',
    'APP_SECRET',
    'client_secret',
    'SECRET_KEY_BASE',
    'GITHUB_TOKEN',
    'csrftoken',
    'XSRF-TOKEN',
    'API_KEY',
    'apikey',
    'x-api-key',
    'AccountKey',
    'SharedAccessKey',
    'KEY',
    'aws_secret_access_key',
    'REDISCLI_AUTH',
    'Authorization',
    'Proxy-Authorization',
    'sig',
    'keyStorePassword',
    'passphrase',
  ];
  const plainKeys = [
    'SSH_AUTH_SOCK',
    'PASSWORD_FILE',
    'TOKEN_TYPE',
    'SharedAccessKeyName',
    'TOKENIZERS_PARALLELISM',
    'MONKEY',
    'KEYBOARD',
    'AWS_ACCESS_KEY_ID',
    'OLDPWD',
    'passwords',
    'bypass',
    'USER',
    'HOME',
    'signal',
  ];

  it('recognises secret keys', () => {
    for (const name of secretKeys) assert.equal(isSecretName(name, 'key'), true, name);
  });

  it('leaves other keys alone', () => {
    for (const name of plainKeys) assert.equal(isSecretName(name, 'key'), false, name);
  });

  it('treats option names like keys, except a bare key, no- switches and pointer options', () => {
    for (const name of ['password', 'api-key', 'client-secret', 'access-key', 'token', 'storepass', 'pass']) {
      assert.equal(isSecretName(name, 'option'), true, name);
    }
    for (const name of ['key', 'no-password', 'password-stdin', 'password-file', 'token-file', 'port', 'user']) {
      assert.equal(isSecretName(name, 'option'), false, name);
    }
  });

  it('only says yes to names holding a trigger word', () => {
    for (const name of secretKeys) {
      const lower = name.toLowerCase();
      assert.ok(
        SECRET_NAME_TRIGGERS.some((t) => lower.includes(t)),
        name,
      );
    }
  });
});
