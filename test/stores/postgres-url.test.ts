import { describe, expect, it } from 'vitest';
import { postgresOptionsFromUrl } from '../../src/stores/postgres/index.js';

describe('postgresOptionsFromUrl', () => {
  it('passes a URL without store parameters through unchanged', () => {
    for (const url of [
      'postgres://u@h/db',
      'postgresql://u:p@h:6543/db',
      'postgres://u@h/db?sslmode=require&application_name=a%20b',
      'postgres:///db?host=/var/run/postgresql',
    ]) {
      expect(postgresOptionsFromUrl(url)).toEqual({ connectionString: url });
    }
  });

  it('takes schema and pool_size out and keeps the rest byte for byte', () => {
    expect(
      postgresOptionsFromUrl(
        'postgres://u@h/db?options=-c%20statement_timeout%3D5s&schema=Tenant_1&sslmode=require&pool_size=25',
      ),
    ).toEqual({
      connectionString: 'postgres://u@h/db?options=-c%20statement_timeout%3D5s&sslmode=require',
      schema: 'Tenant_1',
      poolSize: 25,
    });
    expect(postgresOptionsFromUrl('postgresql://u@h/db?schema=ees&pool_size=10')).toEqual({
      connectionString: 'postgresql://u@h/db',
      schema: 'ees',
      poolSize: 10,
    });
    expect(postgresOptionsFromUrl('postgres://u@h/db?pool_size=3')).toEqual({
      connectionString: 'postgres://u@h/db',
      poolSize: 3,
    });
  });

  it('decodes percent-encoded store parameters', () => {
    expect(postgresOptionsFromUrl('postgres://u@h/db?%73chema=my%5Fschema')).toEqual({
      connectionString: 'postgres://u@h/db',
      schema: 'my_schema',
    });
  });

  it.each([
    ['postgres://u@h/db?pool_size=0', /"pool_size" must be an integer of at least 1, not "0"/],
    ['postgres://u@h/db?pool_size=ten', /not "ten"/],
    ['postgres://u@h/db?pool_size=1.5', /not "1.5"/],
    ['postgres://u@h/db?pool_size=', /not ""/],
    ['postgres://u@h/db?schema=a-b', /Invalid PostgreSQL schema name "a-b"/],
    ['postgres://u@h/db?schema=', /Invalid PostgreSQL schema name ""/],
    ['postgres://u@h/db?schema=a&schema=b', /"schema" is given more than once/],
    ['postgres://u@h/db?schema=%zz', /"%zz" is not validly percent-encoded/],
  ])('rejects %j', (url, reason) => {
    expect(() => postgresOptionsFromUrl(url)).toThrow(reason);
  });
});
