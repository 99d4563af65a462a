import { startCXenstored } from '../support/c-xenstored.js';
import { serveXenstore } from '../support/served-xenstore.js';
import { Dialogue } from './dialogue.js';
import type { RecordedStep } from './dialogue.js';

/** A request sequence; it is told which server it talks to only so it can leave out what one of them cannot take. */
export type Scenario = (dialogue: Dialogue, server: 'c' | 'ours') => Promise<void>;

export interface PlayedOnBoth {
  readonly c: RecordedStep[];
  readonly ours: RecordedStep[];
}

/** Plays `scenario` against a fresh C xenstored 4.17 and a fresh XenStore of ours, and returns both recordings. */
export async function playAgainstBoth(scenario: Scenario): Promise<PlayedOnBoth> {
  const [c, ours] = await Promise.all([startCXenstored(), serveXenstore()]);
  try {
    return { c: await play(c.socketPath, (d) => scenario(d, 'c')), ours: await play(ours.socketPath, (d) => scenario(d, 'ours')) };
  } finally {
    await Promise.all([c.stop(), ours.close()]);
  }
}

async function play(socketPath: string, scenario: (dialogue: Dialogue) => Promise<void>): Promise<RecordedStep[]> {
  const dialogue = new Dialogue(socketPath);
  try {
    await scenario(dialogue);
    return dialogue.steps;
  } finally {
    dialogue.close();
  }
}
