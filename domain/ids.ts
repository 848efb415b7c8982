const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is shaped like the ids this platform hands out (before it reaches SQL). */
export const isUuid = (value: string): boolean => UUID.test(value);
