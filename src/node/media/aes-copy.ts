/**
 * An AES-128 encrypted copy of an HLS fMP4 stream, as services protect content without DRM: every
 * media segment encrypted whole (AES-128-CBC, PKCS#7 padding) with one key, the IV being the
 * segment's media sequence number (RFC 8216 5.2, when EXT-X-KEY names no IV). The key tag follows
 * EXT-X-MAP, so the init segments stay clear and are copied as they are.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key file's name beside the master playlist. */
export const KEY_FILE = 'key.bin';

export function encryptHlsCopy(fromDir: string, toDir: string, key: Buffer = randomBytes(16)): void {
  mkdirSync(toDir, { recursive: true });
  writeFileSync(join(toDir, KEY_FILE), key);
  copyFileSync(join(fromDir, 'master.m3u8'), join(toDir, 'master.m3u8'));
  for (const entry of readdirSync(fromDir)) {
    const source = join(fromDir, entry);
    if (statSync(source).isDirectory()) encryptRendition(source, join(toDir, entry), key);
  }
}

function encryptRendition(fromDir: string, toDir: string, key: Buffer): void {
  mkdirSync(toDir, { recursive: true });
  const playlist = readFileSync(join(fromDir, 'index.m3u8'), 'utf8').split('\n');
  const sequence = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(playlist.join('\n'))?.[1] ?? 0);
  const out: string[] = [];
  let segment = 0;
  for (const line of playlist) {
    out.push(line);
    if (line.startsWith('#EXT-X-MAP:')) out.push(`#EXT-X-KEY:METHOD=AES-128,URI="../${KEY_FILE}"`);
    if (line.endsWith('.m4s')) {
      const iv = Buffer.alloc(16);
      iv.writeUInt32BE(sequence + segment, 12);
      const cipher = createCipheriv('aes-128-cbc', key, iv);
      writeFileSync(join(toDir, line), Buffer.concat([cipher.update(readFileSync(join(fromDir, line))), cipher.final()]));
      segment++;
    }
  }
  for (const file of readdirSync(fromDir)) if (file.endsWith('.mp4')) copyFileSync(join(fromDir, file), join(toDir, file));
  writeFileSync(join(toDir, 'index.m3u8'), out.join('\n'));
}
