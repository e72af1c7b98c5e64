/**
 * Names a statement for metrics and error messages: the SQL verb and the first table, such as
 * `INSERT users` or `SELECT refresh_tokens`, or the verb alone (`BEGIN`, `SELECT`). Literals and
 * comments are removed before the scan, so the name never contains a value.
 */
export function describeOperation(sql: string): string {
  const cached = cache.get(sql);
  if (cached !== undefined) {
    return cached;
  }
  const operation = scan(tokenize(stripLiteralsAndComments(sql)));
  if (cache.size >= CACHE_SIZE) {
    cache.clear();
  }
  cache.set(sql, operation);
  return operation;
}

// Services run a bounded set of statements, so a small cache removes the scan from the hot path.
const CACHE_SIZE = 1000;
const cache = new Map<string, string>();

/** Keywords after which the next name is the table the statement works on. */
const TABLE_KEYWORDS = new Set(['FROM', 'INTO', 'UPDATE', 'TABLE', 'JOIN']);
/** Keywords after which `name(` is a function call; after INTO or TABLE it starts a column list. */
const FUNCTION_KEYWORDS = new Set(['FROM', 'JOIN']);
/** Words that can sit between such a keyword and the table name. */
const SKIPPED_WORDS = new Set(['ONLY', 'IF', 'NOT', 'EXISTS', 'LATERAL', 'UNLOGGED', 'TEMPORARY', 'TEMP']);

function scan(tokens: string[]): string {
  const first = tokens[0];
  if (first === undefined || !isName(first)) {
    return 'UNKNOWN';
  }
  const verb = first.toUpperCase();
  // The first token counts as a keyword too, so that `UPDATE users` and `TRUNCATE TABLE x` work.
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] ?? '';
    if (!TABLE_KEYWORDS.has(token.toUpperCase())) {
      continue;
    }
    const table = tableAfter(tokens, index + 1, FUNCTION_KEYWORDS.has(token.toUpperCase()));
    if (table !== undefined) {
      return `${verb} ${table}`;
    }
  }
  return verb;
}

/** Returns the table name starting at `start`, or undefined for a subquery or a function call. */
function tableAfter(tokens: string[], start: number, mayBeFunction: boolean): string | undefined {
  let index = start;
  while (index < tokens.length && SKIPPED_WORDS.has((tokens[index] ?? '').toUpperCase())) {
    index += 1;
  }
  let name = tokens[index];
  if (name === undefined || !isName(name)) {
    return undefined;
  }
  // Keep the last part of a qualified name such as public.users.
  while (tokens[index + 1] === '.' && tokens[index + 2] !== undefined && isName(tokens[index + 2] ?? '')) {
    index += 2;
    name = tokens[index] ?? name;
  }
  if (mayBeFunction && tokens[index + 1] === '(') {
    return undefined;
  }
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

function isName(token: string): boolean {
  return /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")$/.test(token);
}

function tokenize(sql: string): string[] {
  return sql.match(/"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|[^\sA-Za-z_"]/g) ?? [];
}

/** Replaces string literals, dollar-quoted bodies and comments with spaces. */
export function stripLiteralsAndComments(sql: string): string {
  return sql.replace(
    /--[^\n]*|\/\*[\s\S]*?\*\/|[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|(\$[A-Za-z_0-9]*\$)[\s\S]*?\1/g,
    ' ',
  );
}
