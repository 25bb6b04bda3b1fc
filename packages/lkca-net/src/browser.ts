// '@hsrkit/lkca-net/browser': the browser-safe entry under its former name (the package's '.' entry
// is browser-safe now, docs/ARCHITECTURE.md "Entries"), kept so that code importing it still works.
export * from './index.js';
