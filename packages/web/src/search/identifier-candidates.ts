/** A place a search may find a person: a profile by identifier, or by its id. */
export type Candidate = { kind: 'identifier'; identifier: string } | { kind: 'id'; id: string };

const EMAIL = /^[^\s@:]+@[^\s@]+$/;
const TYPED = /^([A-Za-z][\w-]*):(.+)$/;
const PROFILE_ID = /^[\w-]{1,64}$/;

/**
 * Where to look for what was typed, in order: an email address is `email:...`; `TYPE:VALUE` is that
 * identifier, else a userId that holds a colon; anything else a userId, an anonymousId, then a
 * profile id.
 */
export function identifierCandidates(query: string): Candidate[] {
  const text = query.trim();
  if (text === '') return [];
  const identifier = (value: string): Candidate => ({ kind: 'identifier', identifier: value });
  if (EMAIL.test(text)) return [identifier(`email:${text}`)];
  if (TYPED.test(text)) return [identifier(text), identifier(`userId:${text}`)];
  const found = [identifier(`userId:${text}`), identifier(`anonymousId:${text}`)];
  return PROFILE_ID.test(text) ? [...found, { kind: 'id', id: text }] : found;
}
