import { describe, expect, it } from 'vitest';
import { chooseCodec, codecFamily, probeDecodeSupport } from '../../src/adapters/codecs.js';
import { CodecLock } from '../../src/adapters/codec-lock.js';

const yes = { supported: true, smooth: true, powerEfficient: false };
const efficient = { supported: true, smooth: true, powerEfficient: true };
const choppy = { supported: true, smooth: false, powerEfficient: false };
const no = { supported: false, smooth: false, powerEfficient: false };

describe('codecFamily', () => {
  it('reads the video entry of RFC 6381 codec lists', () => {
    expect(codecFamily('avc1.64001f,mp4a.40.2')).toBe('avc');
    expect(codecFamily('mp4a.40.2,avc3.42c01e')).toBe('avc');
    expect(codecFamily('hvc1.1.6.L93.B0')).toBe('hevc');
    expect(codecFamily('vp09.00.40.08')).toBe('vp9');
    expect(codecFamily('av01.0.08M.08')).toBe('av1');
    expect(codecFamily('mp4a.40.2')).toBe('unknown');
    expect(codecFamily(undefined)).toBe('unknown');
  });
});

describe('chooseCodec', () => {
  it('prefers the family with the better quality per bit when both decode alike', () => {
    const choice = chooseCodec([{ family: 'avc', support: yes }, { family: 'vp9', support: yes }, { family: 'avc', support: yes }, { family: 'vp9', support: yes }]);
    expect(choice).toEqual({ family: 'vp9', reason: 'preference', renditions: [1, 3] });
  });

  it('never picks what the device cannot decode', () => {
    const choice = chooseCodec([{ family: 'av1', support: no }, { family: 'avc', support: yes }]);
    expect(choice?.family).toBe('avc');
    expect(choice?.renditions).toEqual([1]);
    expect(chooseCodec([{ family: 'av1', support: no }])).toBeNull();
  });

  it('puts smooth, then power-efficient decoding before efficiency', () => {
    expect(chooseCodec([{ family: 'av1', support: choppy }, { family: 'avc', support: yes }])).toMatchObject({ family: 'avc', reason: 'smooth' });
    expect(chooseCodec([{ family: 'av1', support: yes }, { family: 'hevc', support: efficient }])).toMatchObject({ family: 'hevc', reason: 'power-efficient' });
  });

  it("drops a family's renditions that would not play smoothly, keeping the rest", () => {
    const choice = chooseCodec([{ family: 'av1', support: yes }, { family: 'av1', support: choppy }, { family: 'avc', support: yes }]);
    expect(choice).toMatchObject({ family: 'av1', renditions: [0] });
  });

  it("follows the app's preference over the default order", () => {
    expect(chooseCodec([{ family: 'avc', support: yes }, { family: 'vp9', support: yes }], { preference: ['avc', 'vp9'] })?.family).toBe('avc');
  });
});

describe('probeDecodeSupport', () => {
  it('asks MediaCapabilities for each rendition and treats failures as unknown', async () => {
    const asked: string[] = [];
    const capabilities = {
      decodingInfo: async (config: MediaDecodingConfiguration) => {
        asked.push(config.video!.contentType);
        if (config.video!.contentType.includes('av01')) throw new TypeError('unsupported');
        return { supported: true, smooth: config.video!.width < 1000, powerEfficient: false, keySystemAccess: null } as MediaCapabilitiesDecodingInfo;
      },
    } as unknown as MediaCapabilities;
    const support = await probeDecodeSupport(
      [
        { codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360, bitrateBps: 1e6 },
        { codecs: 'vp09.00.40.08', width: 3840, height: 2160, bitrateBps: 16e6 },
        { codecs: 'av01.0.08M.08', width: 640, height: 360, bitrateBps: 1e6 },
        { codecs: 'avc1.42c01e', bitrateBps: 1e6 },
      ],
      capabilities,
    );
    expect(asked).toEqual(['video/mp4; codecs="avc1.42c01e"', 'video/mp4; codecs="vp09.00.40.08"', 'video/mp4; codecs="av01.0.08M.08"']);
    expect(support).toEqual([{ supported: true, smooth: true, powerEfficient: false }, { supported: true, smooth: false, powerEfficient: false }, undefined, undefined]);
    expect(await probeDecodeSupport([{ codecs: 'avc1.42c01e', width: 1, height: 1, bitrateBps: 1 }], undefined)).toEqual([undefined]);
  });
});

describe('CodecLock', () => {
  const ladder = [
    { codecs: 'avc1.42c028', width: 640, height: 360, bitrateBps: 1e6 },
    { codecs: 'vp09.00.40.08', width: 640, height: 360, bitrateBps: 1e6 },
    { codecs: 'avc1.42c028', width: 640, height: 360, bitrateBps: 2e6 },
    { codecs: 'vp09.00.40.08', width: 640, height: 360, bitrateBps: 2e6 },
  ];

  it('chooses provisionally, revises when the probe answers, then holds from the first media request', async () => {
    let answer!: (support: (typeof yes)[]) => void;
    let changes = 0;
    const locked: string[] = [];
    const lock = new CodecLock({ onChange: () => changes++, onChoice: (c) => locked.push(c.family), probe: () => new Promise((resolve) => (answer = resolve)) });
    lock.update(ladder);
    expect([0, 1, 2, 3].filter((i) => lock.includes(i))).toEqual([1, 3]);
    answer([yes, no, yes, no]);
    await Promise.resolve();
    await Promise.resolve();
    expect(changes).toBe(1);
    expect([0, 1, 2, 3].filter((i) => lock.includes(i))).toEqual([0, 2]);
    lock.lock();
    expect(locked).toEqual(['avc']);
    // A levels update after the lock keeps the family.
    lock.update([...ladder, { codecs: 'vp09.00.40.08', width: 640, height: 360, bitrateBps: 3e6 }]);
    expect([0, 1, 2, 3, 4].filter((i) => lock.includes(i))).toEqual([0, 2]);
  });

  it('ignores a probe that answers after the lock', async () => {
    let answer!: (support: (typeof yes)[]) => void;
    let changes = 0;
    const lock = new CodecLock({ onChange: () => changes++, probe: () => new Promise((resolve) => (answer = resolve)) });
    lock.update(ladder);
    lock.lock();
    answer([yes, no, yes, no]);
    await Promise.resolve();
    await Promise.resolve();
    expect(changes).toBe(0);
    expect(lock.choice?.family).toBe('vp9');
  });

  it('passes a one-codec ladder through and chooses at once when the player already probed', () => {
    const probe = () => Promise.reject(new Error('must not probe'));
    const single = new CodecLock({ onChange: () => undefined, probe });
    single.update([ladder[0]!, ladder[2]!]);
    expect(single.includes(0) && single.includes(1)).toBe(true);
    expect(single.choice).toBeNull();
    const probed = new CodecLock({ onChange: () => undefined, probe });
    probed.update(ladder, [yes, choppy, yes, choppy]);
    expect(probed.choice).toMatchObject({ family: 'avc', reason: 'smooth', renditions: [0, 2] });
  });
});
