// A day pass's dates and access days as the forms ask them (the invite form and a member's page): the company's hours,
// the business week with Saturday and/or Sunday, or always — to and from what the API stores.
import { z } from 'zod';
import type { AccessDayChoice } from '../db/entities/schedule.ts';
import { DateOnly } from '../http/schemas/common.schema.ts';

/** A day pass's dates typed in one field: `2027-01-05 2027-01-07` (spaces, commas or semicolons). */
export const DayPassDatesField = z
  .string()
  .transform((text) => text.split(/[\s,;]+/).filter(Boolean))
  .pipe(z.array(DateOnly).min(1).max(31));

export const AccessDaysFields = {
  accessDays: z.enum(['grant', 'business_week', 'always']).default('grant'),
  saturday: z.literal('on').optional(),
  sunday: z.literal('on').optional(),
};

/** The form's choice as stored (null: the company's grants). */
export function accessDaysOf(form: { accessDays: 'grant' | 'business_week' | 'always'; saturday?: 'on'; sunday?: 'on' }): AccessDayChoice[] | null {
  if (form.accessDays === 'grant') return null;
  if (form.accessDays === 'always') return ['always'];
  return ['business_week', ...(form.saturday ? (['saturday'] as const) : []), ...(form.sunday ? (['sunday'] as const) : [])];
}

/** What the form shows for stored access days. */
export function accessDaysForm(days: AccessDayChoice[] | null): { accessDays: string; saturday: 'on' | null; sunday: 'on' | null } {
  return {
    accessDays: !days ? 'grant' : days.includes('always') ? 'always' : 'business_week',
    saturday: days?.includes('saturday') ? 'on' : null,
    sunday: days?.includes('sunday') ? 'on' : null,
  };
}
