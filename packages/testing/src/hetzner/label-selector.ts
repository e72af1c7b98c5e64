import { ApiFault } from './errors.js';

/** One requirement of a label selector. */
export type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'absent'; key: string };

const KEY_CHAR = /[a-zA-Z0-9._/-]/;
const VALUE_CHAR = /[a-zA-Z0-9._-]/;

/**
 * Parses the label selector grammar: comma-separated requirements `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (v1,v2)` and `k notin (v1,v2)`, all of which must match. Syntax errors become 422
 * `invalid_input` with the position, like the API's "invalid label_selector: … at pos N".
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const parser = new Parser(selector);
  const requirements: Requirement[] = [];
  if (selector.trim() === '') return requirements;
  for (;;) {
    requirements.push(parser.requirement());
    parser.skipSpaces();
    if (parser.done()) return requirements;
    parser.expect(',', 'expected comma');
  }
}

export function matchesSelector(
  labels: Record<string, string>,
  requirements: readonly Requirement[],
): boolean {
  return requirements.every((requirement) => {
    const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
    switch (requirement.op) {
      case 'eq':
        return value === requirement.value;
      case 'neq':
        return value !== requirement.value;
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
    }
    return false;
  });
}

class Parser {
  #position = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    return this.#position >= this.#text.length;
  }

  skipSpaces(): void {
    while (this.#text[this.#position] === ' ') this.#position += 1;
  }

  expect(token: string, problem: string): void {
    this.skipSpaces();
    if (!this.#text.startsWith(token, this.#position)) this.#fail(problem);
    this.#position += token.length;
  }

  requirement(): Requirement {
    this.skipSpaces();
    if (this.#text[this.#position] === '!') {
      this.#position += 1;
      return { op: 'absent', key: this.#word(KEY_CHAR, 'invalid identifier') };
    }
    const key = this.#word(KEY_CHAR, 'invalid identifier');
    this.skipSpaces();
    if (this.done() || this.#text[this.#position] === ',') return { op: 'exists', key };
    if (this.#text.startsWith('==', this.#position)) return this.#compare('eq', key, 2);
    if (this.#text.startsWith('!=', this.#position)) return this.#compare('neq', key, 2);
    if (this.#text.startsWith('=', this.#position)) return this.#compare('eq', key, 1);
    if (this.#text.startsWith('notin', this.#position)) return this.#set('notin', key, 5);
    if (this.#text.startsWith('in', this.#position)) return this.#set('in', key, 2);
    return this.#fail('expected operator');
  }

  #compare(op: 'eq' | 'neq', key: string, length: number): Requirement {
    this.#position += length;
    this.skipSpaces();
    return { op, key, value: this.#word(VALUE_CHAR, 'invalid value', true) };
  }

  #set(op: 'in' | 'notin', key: string, length: number): Requirement {
    this.#position += length;
    this.expect('(', 'expected (');
    const values: string[] = [];
    for (;;) {
      this.skipSpaces();
      values.push(this.#word(VALUE_CHAR, 'invalid value', true));
      this.skipSpaces();
      if (this.#text[this.#position] === ')') {
        this.#position += 1;
        return { op, key, values };
      }
      this.expect(',', 'expected comma or )');
    }
  }

  #word(allowed: RegExp, problem: string, mayBeEmpty = false): string {
    const start = this.#position;
    while (!this.done() && allowed.test(this.#text[this.#position] as string)) this.#position += 1;
    if (this.#position === start && !mayBeEmpty) this.#fail(problem);
    return this.#text.slice(start, this.#position);
  }

  #fail(problem: string): never {
    throw new ApiFault('invalid_input', `invalid label_selector: ${problem} at pos ${this.#position}`, {
      fields: [{ name: 'label_selector', messages: [`${problem} at pos ${this.#position}`] }],
    });
  }
}
