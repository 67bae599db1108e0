import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { envBool, envPemFile, envPositiveInt, parseEnv } from './index';

class TestConfigError extends Error {
  override readonly name = 'TestConfigError';
}

describe('env-config', () => {
  const schema = z.object({ PORT: envPositiveInt(8080), TLS: envBool(false), CA_FILE: envPemFile.optional() });

  it('should apply defaults and coerce values', () => {
    expect(parseEnv(schema, {}, TestConfigError)).toEqual({ PORT: 8080, TLS: false });
    expect(parseEnv(schema, { PORT: '9090', TLS: '1' }, TestConfigError)).toEqual({ PORT: 9090, TLS: true });
  });

  it('should read a PEM file by path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'env-config-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----');
    expect(parseEnv(schema, { CA_FILE: file }, TestConfigError).CA_FILE).toBe('-----BEGIN CERTIFICATE-----');
  });

  it('should name every wrong variable in one error of the given class', () => {
    const parse = () => parseEnv(schema, { PORT: '-1', TLS: 'yes', CA_FILE: '/nonexistent/ca.pem' }, TestConfigError);
    expect(parse).toThrow(TestConfigError);
    expect(parse).toThrow(/PORT must be positive; TLS must be true or false; CA_FILE cannot read \/nonexistent\/ca.pem/);
  });
});
