/**
 * Administrative divisions (GB/T 2260) the programmes of this product serve. A district belongs to
 * a prefecture-level city when their first four digits agree.
 */
export const CITIES: Readonly<Record<string, { zh: string; en: string }>> = {
  '320500': { zh: '苏州市', en: 'Suzhou' },
  '371100': { zh: '日照市', en: 'Rizhao' },
};

export const DISTRICT_CODE = /^[1-8][0-9]{5}$/;
export const CITY_CODE = /^[1-8][0-9]{3}00$/;

export function cityOf(divisionCode: string): string {
  return `${divisionCode.slice(0, 4)}00`;
}

export function isDistrictOf(districtCode: string, cityCode: string): boolean {
  return DISTRICT_CODE.test(districtCode) && !districtCode.endsWith('00') && cityOf(districtCode) === cityCode;
}
