export * from './identity.schema.js';
export { extractIdentifiers, parseIdentifier, readPath } from './extract-identifiers.js';
export {
  resolveIdentity,
  resolveMerge,
  type IdentityGraphView,
  type Resolution,
} from './resolve-identity.js';
