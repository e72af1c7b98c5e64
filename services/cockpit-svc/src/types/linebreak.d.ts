/** Types for `linebreak` 1.1 (the Unicode line breaking algorithm, UAX #14), which ships none. */
declare module 'linebreak' {
  export interface Break {
    /** UTF-16 index where the next line may start. */
    position: number;
    /** True for a mandatory break, such as after a newline. */
    required: boolean;
  }

  export default class LineBreaker {
    constructor(text: string);
    /** Returns the next break opportunity, or null after the last one. */
    nextBreak(): Break | null;
  }
}
