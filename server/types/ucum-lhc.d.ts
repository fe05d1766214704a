// The part of @lhncbc/ucum-lhc (no types of its own) that server/store/search/ucum.ts uses.
declare module '@lhncbc/ucum-lhc' {
  interface BaseUnits {
    status: 'succeeded' | 'invalid' | 'failed';
    msg: string[];
    magnitude?: number;
    unitToExp?: Record<string, number>;
    fromUnitIsSpecial?: boolean;
  }
  interface UcumLhcUtils {
    convertToBaseUnits(fromUnitCode: string, fromVal: number): BaseUnits;
  }
  const ucum: { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
  export default ucum;
}
