import { randomBytes } from 'node:crypto';
import { WRAPPED_KEY_BYTES, maskContact, newHouseholdKey, openContact, sealContact, unwrapHouseholdKey, wrapHouseholdKey } from './personal-data.js';

describe('personal data', () => {
  const contact = { name: '陈小明', idNumber: '440106195001011234', phone: '13812345678' };

  it('opens a sealed contact with the household key and shows none of it sealed', () => {
    const key = newHouseholdKey();
    const sealed = sealContact(key, 'HH-1', contact);
    expect(sealed.sealed).not.toMatch(/陈|1381|4401/);
    expect(openContact(key, 'HH-1', sealed)).toEqual(contact);
  });

  it('refuses another key, another household and a tampered text', () => {
    const key = newHouseholdKey();
    const sealed = sealContact(key, 'HH-1', contact);
    expect(() => openContact(newHouseholdKey(), 'HH-1', sealed)).toThrow(expect.objectContaining({ code: 'contact_unreadable' }));
    expect(() => openContact(key, 'HH-2', sealed)).toThrow(expect.objectContaining({ code: 'contact_unreadable' }));
    const parts = sealed.sealed.split('.');
    parts[3] = Buffer.from('{"name":"x"}').toString('base64url');
    expect(() => openContact(key, 'HH-1', { sealed: parts.join('.') })).toThrow(expect.objectContaining({ code: 'contact_unreadable' }));
  });

  it('masks the given name, the middle of the id number and of the phone', () => {
    expect(maskContact(contact)).toEqual({ name: '陈**', idNumber: '440106********1234', phone: '138****5678', masked: true });
    expect(maskContact({ phone: '123' })).toEqual({ phone: '***', masked: true });
  });

  describe('household keys under the master key', () => {
    const master = randomBytes(32);

    it('stores a key wrapped: none of its bytes in the clear, the same key back for the same household', () => {
      const key = newHouseholdKey();
      const stored = wrapHouseholdKey(master, 'S1/H1', key);
      expect(stored).toHaveLength(WRAPPED_KEY_BYTES);
      expect(stored.includes(key.subarray(0, 8))).toBe(false);
      expect(unwrapHouseholdKey(master, 'S1/H1', stored)).toEqual(key);
    });

    it('refuses another master key, another household and a tampered key, rather than pass them for erased', () => {
      const stored = wrapHouseholdKey(master, 'S1/H1', newHouseholdKey());
      expect(() => unwrapHouseholdKey(randomBytes(32), 'S1/H1', stored)).toThrow(/HOUSEHOLD_MASTER_KEY/);
      expect(() => unwrapHouseholdKey(master, 'S1/H2', stored)).toThrow(/HOUSEHOLD_MASTER_KEY/);
      const tampered = Buffer.from(stored);
      tampered[40] = tampered[40]! ^ 1;
      expect(() => unwrapHouseholdKey(master, 'S1/H1', tampered)).toThrow(/HOUSEHOLD_MASTER_KEY/);
      expect(() => unwrapHouseholdKey(master, 'S1/H1', stored.subarray(0, 40))).toThrow(/unknown form/);
    });

    it('reads a key stored before keys were wrapped as it is', () => {
      const legacy = newHouseholdKey();
      expect(unwrapHouseholdKey(master, 'S1/H1', legacy)).toBe(legacy);
    });
  });
});
