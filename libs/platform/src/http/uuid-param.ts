import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from '../errors/problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Route ids are lowercase UUIDs; anything else is a 400 with a stable code, never a lookup. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'ID_INVALID', { zh: '标识必须是小写 UUID', en: 'The id must be a lowercase UUID' }, { value: String(value).slice(0, 64) });
    }
    return value;
  }
}
