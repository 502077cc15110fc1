import { maskContact, newHouseholdKey, openContact, sealContact } from './personal-data.js';

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
});
