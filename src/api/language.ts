import type { Request } from 'express';
import type { Language } from './context.js';

/**
 * The language of messages for this request: the logged-in user's setting, else the first of
 * nl/en in Accept-Language, else Dutch.
 */
export function requestLanguage(req: Request): Language {
  if (req.principal?.kind === 'user') return req.principal.language;
  const header = req.headers['accept-language'];
  if (typeof header === 'string') {
    for (const part of header.split(',')) {
      const tag = part.trim().slice(0, 2).toLowerCase();
      if (tag === 'nl' || tag === 'en') return tag;
    }
  }
  return 'nl';
}
