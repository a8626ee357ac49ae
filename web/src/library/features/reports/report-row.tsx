import type { RowFeature } from '../../react/message-row.ts'
import { ReportForm } from './report-form.tsx'

/**
 * Reporting from a message's menu (a reason asked under it); "Reported" once this user did, and
 * for an owner how many people reported it.
 */
export const reportRow: RowFeature = {
  useRow(message, { actions }) {
    if (message.deleted) return {}
    const reported = actions.reported(message.id)
    const open = actions.openReports(message.id)
    return {
      footer: (
        <>
          {reported && <p className="bc-message-reported">Reported</p>}
          {open > 0 && (
            <p className="bc-message-reported bc-owner">
              Reported by {open} {open === 1 ? 'person' : 'people'}
            </p>
          )}
        </>
      ),
      actions:
        !reported && actions.canReport(message)
          ? [
              {
                label: 'Report',
                order: 50,
                panel: ({ close }) => (
                  <ReportForm
                    onReport={(reason) => actions.report(message.id, reason)}
                    onDone={() => close()}
                  />
                ),
              },
            ]
          : [],
    }
  },
}
