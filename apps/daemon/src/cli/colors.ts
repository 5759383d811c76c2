import pc from 'picocolors';

/** Colour only on a TTY and never with NO_COLOR (picocolors alone would also colour under CI). */
export function createPalette(stream: NodeJS.WriteStream) {
  const enabled = stream.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  return pc.createColors(enabled);
}
export type Palette = ReturnType<typeof createPalette>;
