// Public surface of the storage gateway: import from here.
export { ObjectStorage, normalisePrefix, type StorageLocation, type StorageOptions, type StoredObject } from './storage.ts';
export { StorageError, toStorageError, type StorageFailureReason } from './errors.ts';
