import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A certificate authority made at test time with openssl; nothing is trusted globally. */
export interface TestCa {
  dir: string;
  caCert: string;
  caKey: string;
}

export interface IssuedCert {
  cert: string;
  key: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function sanList(sans: string[]): string {
  return sans.map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(',');
}

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'endpointd-ca-'));
  const caCert = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  await execa('openssl', [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/O=endpointd tests/CN=endpointd test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, caCert, caKey };
}

/** Issues a server certificate for the given names and IP addresses. */
export async function issueCert(ca: TestCa, name: string, sans: string[]): Promise<IssuedCert> {
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.pem`);
  const ext = join(ca.dir, `${name}.ext`);
  await writeFile(ext, `subjectAltName=${sanList(sans)}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await execa('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${sans[0] ?? name}`]);
  await execa('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.caCert,
    '-CAkey',
    ca.caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

/** A self-signed certificate: valid names, but no CA anyone trusts. */
export async function selfSignedCert(dir: string, sans: string[]): Promise<IssuedCert> {
  const key = join(dir, 'self.key');
  const cert = join(dir, 'self.pem');
  await execa('openssl', [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=self-signed',
    '-addext',
    `subjectAltName=${sanList(sans)}`,
  ]);
  return { cert, key };
}
