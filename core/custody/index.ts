/**
 * Custody: the signed transfer manifest (SSHSIG, as `ssh-keygen -Y sign` makes it) that travels with a
 * bundle across zones — written by the library's export, checked by the library's import and by a node
 * with trusted signers. Below both library/ and agent/, so neither imports the other.
 */
export * from './sshsig.js';
export * from './manifest-files.js';
export * from './document.js';
