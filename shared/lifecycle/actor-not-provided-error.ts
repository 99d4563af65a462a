import { XoarError } from '../errors/xoar-error.js';

/** A lifecycle machine ran an I/O actor that the supervisor did not `provide()`. */
export class ActorNotProvidedError extends XoarError {
  readonly actor: string;

  constructor(actor: string) {
    super('lifecycle-actor-not-provided', `${actor} not provided`, {
      hint: `provide it with machine.provide({ actors: { ${actor}: ... } })`,
    });
    this.actor = actor;
  }
}
