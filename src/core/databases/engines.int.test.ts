// The shared database contract (engines.contract.ts) for every engine, against real Docker: PostgreSQL,
// MariaDB and Redis run from the test bed's images; MySQL and MongoDB are skipped with the reason
// (no image on this machine) — their Swarm specs are covered by plan/database-service.test.ts.
import { databaseContract } from './engines.contract.ts';

const sqlRows = (n: number) => Array.from({ length: n }, (_, i) => `(${i + 1}, 'item-${i + 1}')`).join(', ');

databaseContract('postgres', {
  write: `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES ${sqlRows(500)};
CREATE TABLE notes (body text, at timestamptz DEFAULT '2026-01-01T00:00:00Z'); INSERT INTO notes (body) VALUES ('first'), (NULL), ('três');`,
  drop: 'DROP TABLE items; DELETE FROM notes;',
  read: 'SELECT count(*) FROM items;',
  expect: '500',
});

const mysqlFixture = {
  write: `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES ${sqlRows(500)};
CREATE TABLE notes (body text, n double); INSERT INTO notes VALUES ('first', 1.5), (NULL, NULL), ('três', 0);`,
  drop: 'DROP TABLE items; DELETE FROM notes;',
  read: 'SELECT count(*) FROM items;',
  expect: '500',
};
databaseContract('mariadb', mysqlFixture);
databaseContract('mysql', mysqlFixture);

databaseContract('redis', {
  write: [
    ...Array.from({ length: 300 }, (_, i) => `SET key:${i} value-${i}`),
    'HSET user:1 name alice email alice@example.com',
    'RPUSH queue a b c',
    'SADD tags x y z',
    'ZADD scores 1 one 2 two',
    'SELECT 3',
    'SET other-db yes',
  ].join('\n') + '\n',
  drop: 'FLUSHALL\n',
  read: 'GET key:299\n',
  expect: 'value-299',
});

// Runs wherever a MongoDB image is mapped (none on this machine): the script is evaluated by mongosh with `db0` connected.
databaseContract('mongodb', {
  write: "db0.items.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i + 1, name: 'item-' + (i + 1) }))); db0.notes.insertMany([{ body: 'first' }, { body: null }]); 'ok'",
  drop: "db0.items.drop(); db0.notes.deleteMany({}); 'ok'",
  read: 'db0.items.countDocuments()',
  expect: '500',
});
