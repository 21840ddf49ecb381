package web

import (
	"net/http"
	"strings"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

func (s *Server) connectionsPage(w http.ResponseWriter, r *http.Request) {
	s.renderConnections(w, r, http.StatusOK, "", views.ConnForm{})
}

func (s *Server) renderConnections(w http.ResponseWriter, r *http.Request, status int, formErr string, form views.ConnForm) {
	p := s.page(r, "Connections", "connections", "")
	ps, err := s.wb.Profiles(r.Context())
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	rows := make([]views.ConnRow, 0, len(ps))
	for _, pr := range ps {
		t := pr.Target
		row := views.ConnRow{Name: pr.Name, Env: string(pr.Env), Label: pr.Label, Address: t.Address(), User: t.User, Database: t.Database, TLS: "–", SSH: "–", Password: s.wb.SecretStatus(pr)}
		if t.TLS.Mode != "" {
			row.TLS = t.TLS.Mode
		}
		if t.SSH != nil {
			row.SSH = t.SSH.User + "@" + t.SSH.Addr()
		}
		rows = append(rows, row)
	}
	s.render(w, r, status, views.Connections(p, rows, formErr, form))
}

func (s *Server) addConnection(w http.ResponseWriter, r *http.Request) {
	form := views.ConnForm{
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		DSN:   strings.TrimSpace(r.PostFormValue("dsn")),
		Env:   r.PostFormValue("env"),
		Label: strings.TrimSpace(r.PostFormValue("label")),
	}
	d, err := dba.ParseDSN(form.DSN)
	if err == nil && d.HasPassword {
		err = errPasswordInDSN
	}
	if err != nil {
		s.renderConnections(w, r, http.StatusBadRequest, err.Error(), form)
		return
	}
	in := workbench.ProfileInput{Profile: dba.Profile{Name: form.Name, Env: dba.Env(form.Env), Label: form.Label, Target: d.Target}}
	if pw := r.PostFormValue("password"); pw != "" {
		in.Password = &pw
	}
	if _, err := s.wb.AddProfile(r.Context(), in); err != nil {
		s.renderConnections(w, r, statusOf(err), err.Error(), form)
		return
	}
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}

var errPasswordInDSN = dbaInvalid("the DSN contains a password; put it in the password field")

type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return dba.ErrInvalid }

func dbaInvalid(msg string) error { return invalidError(msg) }

func (s *Server) testConnection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	release, err := s.slot(r.Context(), name)
	if err != nil {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	defer release()
	res, err := s.wb.TestConnection(r.Context(), workbench.ConnRequest{Profile: name})
	if err != nil {
		s.fail(w, r, s.page(r, "Connections", "connections", ""), err)
		return
	}
	s.render(w, r, http.StatusOK, views.TestReport(res.Report, string(res.Profile.Env)))
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	if err := s.wb.RemoveProfile(r.Context(), r.PathValue("name")); err != nil {
		s.fail(w, r, s.page(r, "Connections", "connections", ""), err)
		return
	}
	if isFragment(r) {
		w.Header().Set("HX-Redirect", "/connections")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}
