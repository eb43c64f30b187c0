// Why an uploaded archive was refused. One class; `reason` says which rule the archive broke and
// `entry` names the offending member, so the message can be shown to the user as is.
import { BerthError } from '../../core/errors.ts';

export type ArchiveRejection =
  | 'unsupported-format'
  | 'corrupt'
  | 'path-escape'
  | 'link-escape'
  | 'special-file'
  | 'too-large'
  | 'too-many-entries'
  | 'duplicate-entry';

export class ArchiveRejected extends BerthError {
  readonly status = 422;
  readonly code = 'archive_rejected';
  constructor(
    readonly reason: ArchiveRejection,
    message: string,
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
