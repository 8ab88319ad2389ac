/**
 * What a client may be named (models.yaml `clients`, PROXY_API_KEYS `name:key`): its own
 * module, below both the schema (build time, zod) and auth (run time), so the Worker
 * bundle never carries the schema to read one regex.
 */
export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
