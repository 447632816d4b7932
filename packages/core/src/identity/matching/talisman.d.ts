// Types for the parts of talisman (string metrics and phonetic codes) Tailor uses.
declare module 'talisman/metrics/jaro-winkler.js' {
  const jaroWinkler: (a: string, b: string) => number;
  export default jaroWinkler;
}
declare module 'talisman/metrics/levenshtein.js' {
  const levenshtein: (a: string, b: string) => number;
  export default levenshtein;
}
declare module 'talisman/phonetics/double-metaphone.js' {
  const doubleMetaphone: (word: string) => [string, string];
  export default doubleMetaphone;
}
